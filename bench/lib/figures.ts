/**
 * Benchmark figures: the targets, the printed table, and bench/results/latest.json in
 * the format `{"machine": {...}, "figures": {NAME: {"value": n, "unit": "..."}}}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { round } from './stats.ts';

/** One measured figure; `value` is null when it could not be measured (then `note` says why). */
export interface Figure {
  value: number | null;
  unit: string;
  note?: string;
}

/** Figures by name. */
export type Figures = Record<string, Figure>;

/** A target from the issue. */
interface Target {
  text: string;
  met(value: number): boolean;
}

const atMost = (limit: number, unit: string): Target => ({ text: `≤ ${limit} ${unit}`, met: (v) => v <= limit });

/** The "Done when" targets, by figure name. */
export const TARGETS: Readonly<Record<string, Target>> = {
  fleet_10000_allatonce_s: atMost(10, 's'),
  onebyone_batch_overhead_ms: atMost(20, 'ms'),
  agent_noop_deploy_ms: atMost(300, 'ms'),
  agent_idle_rss_mb: atMost(60, 'MB'),
  agent_output_peak_rss_mb: atMost(100, 'MB'),
  cli_help_vs_node_ratio: atMost(2.5, '×'),
  cli_status_vs_node_ratio: atMost(2.5, '×'),
  hook_overhead_ratio: atMost(1.5, '×'),
  unpack_tgz_vs_gnutar_ratio: atMost(1.5, '×'),
  unpack_zip_vs_unzip_ratio: atMost(1.5, '×'),
  small_files_vs_tar_cp_ratio: atMost(1.5, '×'),
  coordinator_kb_per_agent: atMost(50, 'KB'),
  // Stopped within one analysis interval (5 s in the benchmark), rollback within 5 s of the stop.
  health_1000_analysis_stop_s: atMost(5, 's'),
  health_1000_alarm_stop_s: atMost(5, 's'),
  health_1000_analysis_stop_max_s: atMost(5, 's'),
  health_1000_alarm_stop_max_s: atMost(5, 's'),
  health_1000_analysis_rollback_ms: atMost(5000, 'ms'),
  health_1000_alarm_rollback_ms: atMost(5000, 'ms'),
  // Issue 19: the dashboard's deployment page at 10,000 hosts.
  dashboard_10000_first_render_ms: atMost(1000, 'ms'),
  dashboard_10000_first_render_finished_ms: atMost(1000, 'ms'),
  dashboard_10000_longest_task_ms: atMost(200, 'ms'),
  traffic_haproxy_block_allow_s: atMost(10, 's'),
  traffic_haproxy_failed_requests: atMost(0, 'requests'),
};

/** A figure with a value. */
export function figure(value: number, unit: string, note?: string): Figure {
  return note === undefined ? { value: round(value), unit } : { value: round(value), unit, note };
}

/** A figure that could not be measured, and why. */
export function notMeasured(unit: string, note: string): Figure {
  return { value: null, unit, note };
}

/** The machine the figures were measured on. */
export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function cell(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table: name, value, unit, target, met?. */
export function formatTable(figures: Figures): string {
  const rows = Object.entries(figures).map(([name, f]) => {
    const target = TARGETS[name];
    const met = target === undefined || f.value === null ? '' : target.met(f.value) ? 'yes' : 'NO';
    return [name, f.value === null ? 'n/a' : String(f.value), f.unit, target?.text ?? '', met];
  });
  const header = ['figure', 'value', 'unit', 'target', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => cell(c, widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The notes of figures that have one, one per line. */
export function formatNotes(figures: Figures): string {
  return Object.entries(figures)
    .filter(([, f]) => f.note !== undefined)
    .map(([name, f]) => `- ${name}: ${f.note ?? ''}`)
    .join('\n');
}

/** Writes `{machine, figures}` (plus when and how it ran) to `file`. */
export function writeResults(file: string, figures: Figures, run: Record<string, unknown>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ machine: machineInfo(), run, figures }, null, 2) + '\n');
}
