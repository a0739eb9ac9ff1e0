/**
 * One cell's detail: the lifecycle event's status, duration and error on its host, and its hook
 * output followed live from the logs API (Server-Sent Events, resumed after the last line on a
 * reconnection) until the deployment ends. At most {@link MAX_LINES} lines stay on the page.
 */
import { decodeCell } from '../../../protocol/src/grid-cells.ts';
import type { GridHost, LogLineView } from '../../../protocol/src/index.ts';
import { query } from '../api.ts';
import { fill, h } from '../dom.ts';
import { duration, statusWords, symbolOf } from '../format.ts';
import { follow, type Stream } from '../live.ts';

const MAX_LINES = 5000;

/** The panel of one chosen cell. */
export class HookOutput {
  readonly el = h('section', { class: 'output', 'aria-labelledby': 'output-title' });
  private readonly facts = h('p', { class: 'facts' });
  private readonly state = h('p', { class: 'help', role: 'status' });
  private readonly log = h('pre', { class: 'log', role: 'log', 'aria-label': 'Hook output', tabindex: '0' });
  private readonly stream: Stream;
  private after = 0;
  private lines = 0;

  constructor(deploymentId: string, private readonly host: GridHost, private readonly event: string, index: number, close: () => void) {
    const title = `${event} on ${host.hostname || host.id}`;
    fill(
      this.el,
      h('div', { class: 'output-head' }, h('h2', { id: 'output-title' }, title), h('button', { type: 'button', class: 'secondary', onclick: close, 'aria-label': `Close the output of ${title}` }, 'Close')),
      this.facts,
      this.state,
      this.log,
    );
    this.show(host, index);
    this.state.textContent = 'Waiting for output…';
    this.stream = follow(
      () => `/v1/deployments/${encodeURIComponent(deploymentId)}/logs${query({ follow: 1, instance: host.id, event, after: this.after })}`,
      {
        lines: (data: { lines: LogLineView[] }) => this.append(data.lines),
        cut: (data: { cut: Array<{ lines: number }> }) => {
          this.state.textContent = `${data.cut.reduce((n, c) => n + c.lines, 0)} lines were not kept: the deployment's log reached its size limit.`;
        },
        end: () => {
          this.state.textContent = `The deployment is over: ${this.lines} lines.`;
        },
      },
    );
  }

  /** Shows the cell's status, duration and error from the grid (called on each update). */
  show(host: GridHost, index: number): void {
    const raw = host.cells[index] ?? null;
    if (!raw) {
      fill(this.facts, `${this.event} has not run on this host.`);
      return;
    }
    const { status, durationMs: ms, errorCode } = decodeCell(raw);
    fill(
      this.facts,
      h('span', { class: `badge s-${status}` }, h('span', { 'aria-hidden': 'true' }, symbolOf(status)), ' ', statusWords(status)),
      ms !== null ? ` in ${duration(ms)}` : '',
      errorCode ? ` · ${errorCode}` : '',
      host.message ? h('span', { class: 'why' }, ` · ${host.message}`) : '',
    );
  }

  private append(lines: readonly LogLineView[]): void {
    if (lines.length === 0) return;
    const atBottom = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
    const text = lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}\n`).join('');
    this.log.appendChild(document.createTextNode(text));
    this.after = lines[lines.length - 1]?.cursor ?? this.after;
    this.lines += lines.length;
    while (this.log.childNodes.length > 1 && this.lines > MAX_LINES) {
      const first = this.log.firstChild as Text;
      this.lines -= (first.data.match(/\n/g) ?? []).length;
      first.remove();
    }
    this.state.textContent = `${this.lines} lines, live.`;
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  /** The cell this panel shows. */
  is(hostId: string, event: string): boolean {
    return this.host.id === hostId && this.event === event;
  }

  close(): void {
    this.stream.close();
  }
}
