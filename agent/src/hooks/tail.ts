/** The last few KB of an event's output, for the failure message sent to the coordinator. */

/** Keeps the most recent lines whose total length (with one separator each) fits `limit`. */
export class TailBuffer {
  private readonly lines: string[] = [];
  private head = 0;
  private size = 0;

  /** @param limit characters kept (CodeDeploy's public logTail is "the last 4 KB"). */
  constructor(private readonly limit: number) {}

  /** Adds one line, dropping the oldest ones while over the limit. */
  push(line: string): void {
    this.lines.push(line);
    this.size += line.length + 1;
    while (this.size > this.limit && this.lines.length - this.head > 1) {
      this.size -= (this.lines[this.head] ?? '').length + 1;
      this.head++;
    }
    if (this.head > 1024) {
      this.lines.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The kept lines joined by `\n`; a single over-long line keeps only its end. */
  text(): string {
    const joined = this.lines.slice(this.head).join('\n');
    return joined.length > this.limit ? joined.slice(joined.length - this.limit) : joined;
  }
}
