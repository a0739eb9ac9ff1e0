/**
 * The invariants every fault run must keep, checked once its deployment is terminal and every
 * host has delivered its outbox. Each violation names the invariant, the host and what was seen.
 */
import { IN_PLACE_EVENTS } from '../../protocol/src/index.ts';
import { installedTree, sameTree, treeDifference, type Tree } from './tree.ts';
import { RETRIED_EVENT } from './world.ts';
import { hookLines, installedMarker, readJournal, type CoordDeployment, type CoordTarget, type JournalView } from './evidence.ts';

/** A broken invariant. */
export interface Violation {
  invariant:
    | 'terminal'
    | 'hook-at-most-once'
    | 'events-match'
    | 'hook-reported'
    | 'outcome-knowable'
    | 'files-match'
    | 'delivered'
    | 'acks-journaled'
    | 'journal-integrity'
    | 'batch-order'
    | 'agent-alive'
    | 'corrupt-journal'
    | 'agent-disk-full'
    | 'store-rollback'
    | 'harness';
  host?: string;
  detail: string;
}

/** A host as the checks see it. */
export interface CheckedHost {
  name: string;
  instanceId: string;
  root: string;
  destRoot: string;
  /** The tree installed before this run. */
  before: Tree;
  /** The host crashed (agent and hooks killed) during the run: a hook's outcome may be lost. */
  crashed: boolean;
}

/** How the journal's status of an event is written at the coordinator (an event never started is absent). */
function sameEvent(coordStatus: string, journal: JournalView, event: string): boolean {
  const row = journal.events.get(event);
  if (!row) return coordStatus === 'Skipped' || coordStatus === 'Pending';
  return row.status === coordStatus;
}

function checkEvents(host: CheckedHost, target: CoordTarget, journal: JournalView): Violation[] {
  const out: Violation[] = [];
  for (const event of IN_PLACE_EVENTS) {
    const coord = target.events.get(event);
    const row = journal.events.get(event);
    if (!coord || !sameEvent(coord.status, journal, event) || (row && (row.errorCode ?? null) !== (coord.errorCode ?? null))) {
      out.push({
        invariant: 'events-match',
        host: host.name,
        detail: `${event}: coordinator ${coord?.status ?? 'missing'}/${coord?.errorCode ?? '-'}, journal ${row?.status ?? 'none'}/${row?.errorCode ?? '-'}`,
      });
    }
  }
  const hostStatus = journal.deploymentStatus;
  const coordHost = target.status;
  // A host whose journal could not take the command (its disk full) refused it: the coordinator
  // failed it DISK_FULL, and the journal rightly knows nothing of the deployment.
  const refused = coordHost === 'Failed' && target.errorCode === 'DISK_FULL';
  const agree = hostStatus === undefined ? coordHost === 'Skipped' || refused : hostStatus === coordHost;
  if (!agree) out.push({ invariant: 'events-match', host: host.name, detail: `host outcome: coordinator ${coordHost}, journal ${hostStatus ?? 'none'}` });
  return out;
}

function checkHooks(host: CheckedHost, deploymentId: string, journal: JournalView): Violation[] {
  const out: Violation[] = [];
  const lines = hookLines(host.root, deploymentId);
  for (const event of new Set(lines.map((l) => l.event))) {
    const starts = lines.filter((l) => l.kind === 'start' && l.event === event);
    const ended = lines.some((l) => l.kind === 'end' && l.event === event);
    const row = journal.events.get(event);
    // Only a hook that opted in may run again, and only once its outcome was lost in a crash.
    const mayRetry = event === RETRIED_EVENT && host.crashed;
    if (starts.length > 1 && !mayRetry) out.push({ invariant: 'hook-at-most-once', host: host.name, detail: `${event} ran ${starts.length} times (runs ${starts.map((s) => s.run).join(', ')}); journal ${row?.status ?? 'none'}/${row?.errorCode ?? '-'}` });
    if (!row || row.status === 'Skipped') {
      out.push({ invariant: 'hook-reported', host: host.name, detail: `${event} ran but the journal says ${row?.status ?? 'nothing'}` });
    } else if (ended && !host.crashed && row.errorCode === 'FailedAfterRestart') {
      out.push({ invariant: 'outcome-knowable', host: host.name, detail: `${event} finished (its end line is in hooks.log) but was reported FailedAfterRestart` });
    }
  }
  for (const [event, row] of journal.events) {
    const hasScript = event !== 'DownloadBundle' && event !== 'Install' && event !== 'ApplicationStop';
    if (hasScript && row.status === 'Succeeded' && !lines.some((l) => l.kind === 'end' && l.event === event)) {
      out.push({ invariant: 'hook-reported', host: host.name, detail: `${event} reported Succeeded but its hook never finished` });
    }
  }
  return out;
}

/**
 * The host holds exactly one revision's tree: the new one once Install succeeded (also when the
 * agent was killed inside an Install and did it again), the old one when Install never ran, and
 * one or the other when it failed; never a part of one or a mix of both.
 */
function checkFiles(host: CheckedHost, installs: Tree, journal: JournalView): Violation | undefined {
  const now = installedTree(host.destRoot);
  const install = journal.events.get('Install')?.status;
  const old = ['the old tree', host.before] as const;
  const fresh = ['the new tree', installs] as const;
  const allowed = install === 'Succeeded' ? [fresh] : install === undefined || install === 'Skipped' ? [old] : [old, fresh];
  if (allowed.some(([, tree]) => sameTree(tree, now))) return undefined;
  const versus = allowed.map(([name, tree]) => `versus ${name}: ${treeDifference(tree, now)}`).join('; ');
  return { invariant: 'files-match', host: host.name, detail: `installed ${installedMarker(host.destRoot) ?? 'nothing'} with Install ${install ?? 'not run'}, matching no allowed tree (${versus})` };
}

/** Hosts of one batch must all have ended before any host of the next batch started. */
function checkBatches(deployment: CoordDeployment, journals: Map<string, JournalView>): Violation[] {
  const spans = new Map<number, { start: string; end: string }[]>();
  for (const t of deployment.targets) {
    const events = [...(journals.get(t.instanceId)?.events.values() ?? [])];
    if (t.batch === null || events.length === 0) continue;
    const start = events.map((e) => e.startedAt ?? '').sort()[0]!;
    const end = events.map((e) => e.endedAt ?? e.startedAt ?? '').sort().at(-1)!;
    spans.set(t.batch, [...(spans.get(t.batch) ?? []), { start, end }]);
  }
  const batches = [...spans.keys()].sort((a, b) => a - b);
  const out: Violation[] = [];
  for (let i = 1; i < batches.length; i++) {
    const prevEnd = spans.get(batches[i - 1]!)!.map((s) => s.end).sort().at(-1)!;
    const nextStart = spans.get(batches[i]!)!.map((s) => s.start).sort()[0]!;
    if (nextStart < prevEnd) out.push({ invariant: 'batch-order', detail: `batch ${batches[i]} started at ${nextStart}, before batch ${batches[i - 1]} ended at ${prevEnd}` });
  }
  return out;
}

/** Checks a finished deployment against every host's journal, hook log and files. */
export function checkRun(deploymentId: string, installs: Tree, deployment: CoordDeployment, hosts: CheckedHost[]): Violation[] {
  const out: Violation[] = [];
  if (!['Succeeded', 'Failed', 'Stopped'].includes(deployment.status)) out.push({ invariant: 'terminal', detail: `deployment is ${deployment.status}` });
  const journals = new Map<string, JournalView>();
  for (const host of hosts) {
    const target = deployment.targets.find((t) => t.instanceId === host.instanceId);
    if (!target) continue;
    const journal = readJournal(host.root, deploymentId);
    journals.set(host.instanceId, journal);
    if (journal.integrity !== 'ok') out.push({ invariant: 'journal-integrity', host: host.name, detail: journal.integrity });
    out.push(...checkEvents(host, target, journal), ...checkHooks(host, deploymentId, journal));
    const files = checkFiles(host, installs, journal);
    if (files) out.push(files);
  }
  out.push(...checkBatches(deployment, journals));
  return out;
}
