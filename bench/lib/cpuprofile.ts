/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): where the samples fall, by function, as self
 * time and as inclusive time (the function anywhere on the stack), in shares of all samples.
 *
 *   node --import tsx bench/lib/cpuprofile.ts FILE.cpuprofile [top] [within] [after]
 *
 * With `within` (a function name, or '' for any), only samples with that function on the stack
 * count, and shares are of those samples. With `after` (a function name), samples before the first
 * one with that function on the stack are left out: `createDeployment` keeps a fleet run's
 * deployments and drops its registration and connection phase.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** One function's share of the profile. */
export interface FunctionShare {
  name: string;
  selfShare: number;
  totalShare: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? path.relative(process.cwd(), url.replace(/^file:\/\//, '')) : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

function stackOf(id: number, parent: Map<number, number>, byId: Map<number, ProfileNode>): ProfileNode[] {
  const stack: ProfileNode[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    if (!node) break;
    stack.push(node);
  }
  return stack;
}

/** Which samples {@link summarise} counts. */
export interface SampleFilter {
  /** Only samples with this function on the stack. */
  within?: string;
  /** Only samples from the first one with this function on the stack on. */
  after?: string;
}

function onStack(stack: readonly ProfileNode[], name: string): boolean {
  return stack.some((node) => node.callFrame.functionName === name);
}

/** How many of the filter's samples fall on each profile node. */
function hitsOf(profile: Profile, parent: Map<number, number>, byId: Map<number, ProfileNode>, after: string | undefined): Map<number, number> {
  const hits = new Map<number, number>();
  let started = after === undefined;
  for (const id of profile.samples) {
    started ||= onStack(stackOf(id, parent, byId), after ?? '');
    if (started) hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  return hits;
}

/** Self and inclusive shares of every function, largest inclusive first, over the samples `filter` keeps. */
export function summarise(profile: Profile, filter: SampleFilter = {}): FunctionShare[] {
  const { within, after } = filter;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = hitsOf(profile, parent, byId, after);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let n = 0;
  for (const [id, count] of hits) {
    const stack = stackOf(id, parent, byId);
    const leaf = stack[0];
    if (!leaf || (within !== undefined && within !== '' && !onStack(stack, within))) continue;
    n += count;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + count);
    for (const name of new Set(stack.map(label))) total.set(name, (total.get(name) ?? 0) + count);
  }
  n ||= 1;
  return [...total.entries()]
    .map(([name, t]) => ({ name, selfShare: (self.get(name) ?? 0) / n, totalShare: t / n }))
    .sort((a, b) => b.totalShare - a.totalShare);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`.padStart(6);
}

/** Prints the top functions by self time and by inclusive time. */
export function report(file: string, top: number, filter: SampleFilter = {}): string {
  const shares = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, filter);
  const bySelf = [...shares].sort((a, b) => b.selfShare - a.selfShare).slice(0, top);
  const lines = ['self   total  function', ...bySelf.map((s) => `${pct(s.selfShare)} ${pct(s.totalShare)}  ${s.name}`)];
  lines.push('', 'inclusive (total) time:', ...shares.slice(0, top).map((s) => `${pct(s.selfShare)} ${pct(s.totalShare)}  ${s.name}`));
  return lines.join('\n');
}

if (process.argv[1] === import.meta.filename && process.argv[2] !== undefined) {
  const [within, after] = [process.argv[4], process.argv[5]];
  const filter: SampleFilter = {};
  if (within !== undefined) filter.within = within;
  if (after !== undefined) filter.after = after;
  process.stdout.write(`${report(process.argv[2], Number(process.argv[3] ?? 30), filter)}\n`);
}
