/**
 * Journal load generator (a child process, so strace can count its fsyncs alone): runs
 * `deployments` no-op deployments through the agent's real Journal with its shipped durability
 * settings, exactly as the lifecycle writes them, and prints one JSON line of results.
 *
 *   node --import tsx bench/journal/worker.ts DIR DEPLOYMENTS
 */
import path from 'node:path';
import { IN_PLACE_EVENTS, type CommandBody } from '../../protocol/src/index.ts';
import { Journal } from '../../agent/src/journal/journal.ts';

function command(i: number): CommandBody {
  const deploymentId = `d-BENCH${String(i).padStart(6, '0')}`;
  return {
    commandId: `c-BENCH${String(i).padStart(6, '0')}`,
    deploymentId,
    epoch: 0,
    kind: 'deploy',
    deploy: {
      deploymentId,
      applicationName: 'bench-app',
      deploymentGroupName: 'bench-group',
      deploymentGroupId: 'g-BENCHGROUP',
      revision: {
        revisionId: 'r-BENCHREV01',
        sha256: '0'.repeat(64),
        bundleType: 'tgz',
        size: 1,
        location: { kind: 'coordinator', path: '/v1/revisions/r-BENCHREV01/content' },
      },
      fileExistsBehavior: 'OVERWRITE',
      ignoreApplicationStopFailures: false,
      parameters: {},
    },
  };
}

/** One deployment's journal writes; returns the outbox events it produced and the commits it made. */
function deployment(journal: Journal, i: number): { events: number; commits: number } {
  const body = command(i);
  const now = (): Date => new Date();
  journal.recordCommand(body, now());
  journal.startDeployment({ commandId: body.commandId, deploymentId: body.deploymentId, deploymentGroupId: 'g-BENCHGROUP', archiveDir: '/tmp/x' }, now());
  for (const event of IN_PLACE_EVENTS) {
    const key = { commandId: body.commandId, deploymentId: body.deploymentId, event };
    journal.startEvent(key, now());
    journal.finishEvent(key, { status: 'Succeeded' }, now());
  }
  journal.finishDeployment({ commandId: body.commandId, deploymentId: body.deploymentId, status: 'Succeeded' }, now());
  // The coordinator's ack deletes what it applied, once per deployment here (the agent does it per ack).
  journal.outbox.ackThrough(journal.outbox.lastSeq());
  return { events: IN_PLACE_EVENTS.length * 2 + 1, commits: 3 + IN_PLACE_EVENTS.length * 2 + 1 };
}

const [dir, count] = process.argv.slice(2);
if (dir === undefined || count === undefined) throw new Error('usage: worker.ts DIR DEPLOYMENTS');
const journal = Journal.open(path.join(dir, 'agent.db'));
let events = 0;
let commits = 0;
const start = performance.now();
for (let i = 0; i < Number(count); i++) {
  const r = deployment(journal, i);
  events += r.events;
  commits += r.commits;
}
const ms = performance.now() - start;
journal.close();
process.stdout.write(`${JSON.stringify({ events, commits, ms })}\n`);
