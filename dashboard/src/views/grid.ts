/**
 * The hosts × lifecycle events grid: status filters with counts, a pager, and a table whose
 * cells are buttons (a symbol, the duration, the error code; colour only repeats the symbol).
 * Arrow keys move between cells, Enter or a click opens the cell's hook output. The coordinator
 * sends one page of hosts; a filter or another page is asked of it (`viewChanged`). Live updates
 * are drawn at most every 200 ms, and rows already on screen are changed in place, so the focus
 * stays where it is and a 10,000-host deployment costs one page of rows per frame.
 */
import { decodeCell, type DecodedCell } from '../../../protocol/src/grid-cells.ts';
import type { GridCountsChange, GridHost, GridView } from '../../../protocol/src/index.ts';
import { fill, h } from '../dom.ts';
import { duration, statusWords, symbolOf } from '../format.ts';
import { GridModel, STATUS_ORDER } from './grid-model.ts';

/** What the grid tells its page. */
export interface GridEvents {
  /** A cell was chosen (click, Enter). */
  select(hostId: string, event: string): void;
  /** Another filter or page was chosen (from 1): the page asks the coordinator for it. */
  viewChanged(status: string, page: number): void;
}

const DRAW_GAP_MS = 200;

function cellText(cell: DecodedCell): string {
  const { status, durationMs: ms, errorCode } = cell;
  const parts = [symbolOf(status)];
  if (ms !== null) parts.push(duration(ms));
  else if (status === 'InProgress') parts.push('running');
  if (errorCode) parts.push(errorCode);
  return parts.join(' ');
}

function cellLabel(host: GridHost, event: string, cell: DecodedCell): string {
  const { status, durationMs: ms, errorCode } = cell;
  return `${host.hostname || host.id} ${event}: ${statusWords(status)}${ms !== null ? `, ${duration(ms)}` : ''}${errorCode ? `, ${errorCode}` : ''}`;
}

/** Whether a row drawn for `a` shows `b` as it is. */
function sameRow(a: GridHost | undefined, b: GridHost): boolean {
  return a !== undefined && a.status === b.status && a.hostname === b.hostname && a.message === b.message && a.errorCode === b.errorCode && a.cells.join() === b.cells.join();
}

/** An event name that may wrap between its words (BeforeBlock·Traffic), so 11 columns fit at 200% zoom. */
function breakable(name: string): Node[] {
  return name.split(/(?=[A-Z])/).flatMap((part, i) => (i === 0 ? [document.createTextNode(part)] : [h('wbr'), document.createTextNode(part)]));
}

/** The grid of one deployment page. */
export class GridPanel {
  readonly el = h('section', { class: 'grid', 'aria-labelledby': 'grid-title' });
  readonly model = new GridModel();
  private readonly filters = h('div', { class: 'filters', role: 'group', 'aria-label': 'Show hosts by status' });
  private readonly pager = h('div', { class: 'pager' });
  private readonly head = h('thead', {});
  private readonly body = h('tbody', {});
  private rows = new Map<string, HTMLTableRowElement>();
  private drawnIds = '';
  private drawnEvents = '';
  /** Filter and page on screen. */
  private drawnView = '';
  /** The host each row on screen shows, to keep rows that did not change when others move. */
  private rowHosts = new Map<string, GridHost>();
  private dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = 0;
  selected: { host: string; event: string } | undefined;

  constructor(private readonly on: GridEvents, status: string, page: number) {
    this.model.status = status;
    this.model.page = page;
    // One listener for every cell: a page redrawn several times a second adds none.
    const table = h('table', { class: 'cells', role: 'grid', 'aria-labelledby': 'grid-title', onkeydown: (e: KeyboardEvent) => this.key(e), onclick: (e: MouseEvent) => this.click(e) }, this.head, this.body);
    fill(this.el, h('h2', { id: 'grid-title' }, 'Hosts'), this.filters, this.pager, h('div', { class: 'scroll' }, table));
  }

  /**
   * Takes a whole page: drawn at once when it is another page than the one on screen (the first,
   * or one asked for), else with the live updates, at most every 200 ms (at 10,000 hosts grouped
   * by status, hosts move between pages several times a second).
   */
  setGrid(grid: GridView): void {
    const view = `${grid.status ?? ''}|${grid.page}`;
    const same = view === this.drawnView;
    this.model.setGrid(grid);
    this.drawnView = view;
    if (same) this.schedule();
    else this.draw();
    // For the benchmark (and anyone profiling): when the grid was first on screen.
    if (performance.getEntriesByName('deckhand:grid').length === 0) performance.mark('deckhand:grid');
  }

  updateHosts(hosts: readonly GridHost[]): void {
    for (const id of this.model.update(hosts)) this.dirty.add(id);
    this.schedule();
  }

  /** New counts of every status: the filters and the pager change, not the rows. */
  updateCounts(change: GridCountsChange): void {
    this.model.setCounts(change);
    this.schedule();
  }

  /** Marks a cell of this page as chosen. */
  select(host: string, event: string): void {
    this.selected = { host, event };
    this.drawnIds = '';
    this.rowHosts.clear();
    this.draw();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, DRAW_GAP_MS - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => requestAnimationFrame(() => {
      this.timer = undefined;
      this.draw();
    }), wait);
  }

  private draw(): void {
    this.lastDraw = performance.now();
    this.drawFilters();
    const hosts = this.model.hosts;
    this.drawPager();
    const ids = hosts.map((x) => x.id).join();
    const events = this.model.events.join();
    if (ids === this.drawnIds && events === this.drawnEvents) {
      for (const id of this.dirty) {
        const host = this.model.host(id);
        const tr = this.rows.get(id);
        if (host && tr) this.fillRow(tr, host);
      }
    } else {
      this.drawTable(hosts, events === this.drawnEvents);
      this.drawnIds = ids;
      this.drawnEvents = events;
    }
    this.dirty.clear();
  }

  private drawFilters(): void {
    const counts = this.model.counts;
    const button = (status: string, label: string, n: number): HTMLButtonElement =>
      h('button', { type: 'button', class: `filter s-${status || 'all'}`, 'aria-pressed': String(this.model.status === status), onclick: () => this.filter(status) }, status ? h('span', { 'aria-hidden': 'true' }, `${symbolOf(status)} `) : null, `${label} ${n}`);
    const present = STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0 || s === this.model.status);
    fill(this.filters, button('', 'All', this.model.total()), present.map((s) => button(s, statusWords(s), counts[s] ?? 0)));
  }

  private drawPager(): void {
    const { shown, page, pages, pageSize } = this.model;
    const first = (page - 1) * pageSize;
    const text = shown === 0 ? 'No host' : `Hosts ${first + 1}–${Math.min(first + pageSize, shown)} of ${shown}${this.model.grouped ? ', grouped by status' : ''}`;
    const go = (to: number) => () => this.on.viewChanged(this.model.status, to);
    fill(
      this.pager,
      h('button', { type: 'button', class: 'secondary', disabled: page <= 1, onclick: go(page - 1) }, '‹ Previous'),
      h('span', { 'aria-live': 'polite' }, ` ${text} (page ${page} of ${pages}) `),
      h('button', { type: 'button', class: 'secondary', disabled: page >= pages, onclick: go(page + 1) }, 'Next ›'),
    );
  }

  private filter(status: string): void {
    // Pressed at once; the hosts follow when the coordinator answers.
    this.model.status = status;
    this.drawFilters();
    this.on.viewChanged(status, 1);
  }

  /** Draws the rows of `hosts`, keeping those that show a host unchanged when `keep` (same columns). */
  private drawTable(hosts: readonly GridHost[], keep: boolean): void {
    if (!keep) fill(this.head, h('tr', {}, h('th', { scope: 'col' }, 'Host'), this.model.events.map((e) => h('th', { scope: 'col' }, breakable(e)))));
    const before = keep ? this.rows : new Map<string, HTMLTableRowElement>();
    const drawn = this.rowHosts;
    this.rows = new Map();
    this.rowHosts = new Map();
    const rows: HTMLTableRowElement[] = [];
    let group = '';
    for (const host of hosts) {
      if (this.model.grouped && host.status !== group) {
        group = host.status;
        rows.push(h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: this.model.events.length + 1 }, `${symbolOf(group)} ${statusWords(group)}`)));
      }
      let tr = before.get(host.id);
      if (!tr || !sameRow(drawn.get(host.id), host)) {
        tr = tr ?? h('tr', { 'data-host': host.id });
        this.fillRow(tr, host, false);
      }
      this.rows.set(host.id, tr);
      this.rowHosts.set(host.id, host);
      rows.push(tr);
    }
    fill(this.body, rows);
    this.ensureTabStop();
  }

  private fillRow(tr: HTMLTableRowElement, host: GridHost, tabStop = true): void {
    this.rowHosts.set(host.id, host);
    const focused = document.activeElement instanceof HTMLElement && tr.contains(document.activeElement) ? document.activeElement.dataset['event'] : undefined;
    const why = host.message ?? host.errorCode;
    const th = h('th', { scope: 'row' }, h('span', { class: `hs s-${host.status}`, title: statusWords(host.status) }, symbolOf(host.status), h('span', { class: 'sr' }, ` ${statusWords(host.status)}`)), ' ', host.hostname || host.id, why ? h('div', { class: 'why' }, why) : null);
    const cells = this.model.events.map((event, i) => {
      const raw = host.cells[i] ?? null;
      if (!raw) return h('td', { class: 'none' }, h('span', { class: 'sr' }, 'not run'));
      const cell = decodeCell(raw);
      const chosen = this.selected?.host === host.id && this.selected.event === event;
      return h('td', {}, h('button', { type: 'button', class: `cell s-${cell.status}${chosen ? ' chosen' : ''}`, tabindex: '-1', 'data-event': event, 'aria-current': chosen ? 'true' : null, 'aria-label': cellLabel(host, event, cell) }, cellText(cell)));
    });
    tr.replaceChildren(th, ...cells);
    tr.dataset['status'] = host.status;
    const refocus = focused === undefined ? null : (tr.querySelector(`button[data-event="${CSS.escape(focused)}"]`) as HTMLElement | null);
    if (refocus) {
      refocus.setAttribute('tabindex', '0');
      refocus.focus();
    }
    if (tabStop) this.ensureTabStop();
  }

  /** One cell is in the tab order (the chosen one, else the first): the grid is one tab stop. */
  private ensureTabStop(): void {
    if (this.body.querySelector('button[tabindex="0"]')) return;
    const first = (this.body.querySelector('button.chosen') ?? this.body.querySelector('button.cell')) as HTMLElement | null;
    first?.setAttribute('tabindex', '0');
  }

  private click(e: MouseEvent): void {
    const button = (e.target as Element | null)?.closest('button.cell');
    const host = button?.closest('tr')?.dataset['host'];
    const event = button instanceof HTMLElement ? button.dataset['event'] : undefined;
    if (host !== undefined && event !== undefined) this.on.select(host, event);
  }

  private key(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[e.key];
    const from = e.target as HTMLElement;
    if (!move || !from.classList.contains('cell')) return;
    const td = from.parentElement as HTMLTableCellElement;
    const rows = [...this.body.querySelectorAll('tr[data-host]')] as HTMLTableRowElement[];
    let r = rows.indexOf(td.parentElement as HTMLTableRowElement);
    let c = td.cellIndex;
    for (;;) {
      r += move[0];
      c += move[1];
      const row = rows[r];
      if (!row || c < 1 || c >= row.cells.length) return;
      const next = row.cells[c]?.querySelector('button');
      if (next) {
        e.preventDefault();
        from.setAttribute('tabindex', '-1');
        next.setAttribute('tabindex', '0');
        next.focus();
        return;
      }
    }
  }
}
