/**
 * Splits a byte stream into lines with bounded memory: a line longer than the limit is cut,
 * marked, and the rest of it discarded up to the next newline.
 */
import { StringDecoder } from 'node:string_decoder';

/** Appended to a line that was cut at the length limit. */
export const TRUNCATED_MARKER = ' [deckhand: line truncated]';

/** Feeds chunks in, hands complete lines (without `\n` or a trailing `\r`) out. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private discarding = false;

  /**
   * @param maxLineChars longest line kept whole; longer lines are cut and marked.
   * @param emit receives every line.
   */
  constructor(
    private readonly maxLineChars: number,
    private readonly emit: (line: string) => void,
  ) {}

  /** Consumes one chunk. */
  write(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.endLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.addPartial(text.slice(start));
  }

  /** Flushes the last, unterminated line. */
  end(): void {
    this.addPartial(this.decoder.end());
    if (this.partial !== '') this.emitLine(this.partial);
    this.partial = '';
  }

  private endLine(segment: string): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const line = this.partial + segment;
    this.partial = '';
    if (line.length > this.maxLineChars) this.cut(line);
    else this.emitLine(line);
  }

  private addPartial(segment: string): void {
    if (this.discarding || segment === '') return;
    this.partial += segment;
    if (this.partial.length > this.maxLineChars) {
      this.cut(this.partial);
      this.partial = '';
      this.discarding = true;
    }
  }

  private cut(line: string): void {
    this.emit(line.slice(0, this.maxLineChars) + TRUNCATED_MARKER);
  }

  private emitLine(line: string): void {
    this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
