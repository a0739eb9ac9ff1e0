import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { AgentLogBody } from '../../../../protocol/src/index.ts';
import { formatLogTimestamp } from '../../../../agent/src/hooks/output.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { LogShipping } from '../../../../agent/src/logs/shipping.ts';

const T = formatLogTimestamp(new Date());

async function until<T>(what: string, check: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LogShipping', function () {
  let dir: string;
  let journal: Journal;
  let logFile: string;
  let sent: Array<{ id: string; body: AgentLogBody }>;
  let reply: 'busy' | 'offline' | 'send';
  let shipping: LogShipping;

  function startDeployment(id: string): void {
    const archiveDir = path.join(dir, 'deployments', 'dg-GROUP001', id, 'deployment-archive');
    logFile = path.join(path.dirname(archiveDir), 'logs', 'scripts.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    journal.recordCommand({ commandId: `c-${id.slice(2)}`, deploymentId: id, epoch: 0, kind: 'deploy', deploy: {} as never }, new Date());
    journal.startDeployment({ commandId: `c-${id.slice(2)}`, deploymentId: id, deploymentGroupId: 'dg-GROUP001', archiveDir }, new Date());
  }

  function write(...entries: string[]): void {
    appendFileSync(logFile, entries.map((e) => `${T} ${e}\n`).join(''));
  }

  function ack(i: number, status: 'stored' | 'busy' = 'stored'): void {
    const frame = sent[i]!;
    const last = (frame.body.seq ?? 1) + frame.body.lines.length - 1;
    shipping.onAck({ frameId: frame.id, deploymentId: frame.body.deploymentId, lifecycleEvent: frame.body.lifecycleEvent, seq: status === 'busy' ? (frame.body.seq ?? 1) - 1 : last, status });
  }

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'dh-ship-'));
    journal = Journal.open(path.join(dir, 'journal.db'));
    sent = [];
    reply = 'send';
    shipping = new LogShipping({
      clock: systemClock,
      logger: silentLogger(),
      cursors: journal.logCursors,
      send: (body) => {
        if (reply !== 'send') return reply;
        const id = `f-${sent.length}`;
        sent.push({ id, body });
        return id;
      },
    });
  });

  afterEach(function () {
    shipping.stop();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends what hooks wrote, numbered per event, and moves the journaled cursor on acks', async function () {
    startDeployment('d-DEPLOY01');
    write('LifecycleEvent - AfterInstall', '[stdout]one', '[stdout]two');
    shipping.onConnected();
    await until('a frame', () => sent[0]);
    assert.deepEqual(sent[0]!.body.lines.map((l) => l.text), ['one', 'two']);
    assert.equal(sent[0]!.body.seq, 1);
    ack(0);
    write('[stderr]three');
    shipping.outputWritten('d-DEPLOY01');
    await until('a second frame', () => sent[1]);
    assert.equal(sent[1]!.body.seq, 3);
  });

  it('sends again from the acknowledged line after a reconnect, and from the journal after a restart', async function () {
    startDeployment('d-DEPLOY02');
    write('LifecycleEvent - AfterInstall', '[stdout]one');
    shipping.onConnected();
    await until('a frame', () => sent[0]);
    ack(0);
    write('[stdout]two');
    shipping.outputWritten('d-DEPLOY02');
    await until('a second frame', () => sent[1]);
    shipping.onDisconnected();
    shipping.onConnected();
    await until('the unacknowledged frame again', () => sent[2]);
    assert.equal(sent[2]!.body.seq, 2);
    shipping.stop();
    const after = new LogShipping({ clock: systemClock, logger: silentLogger(), cursors: journal.logCursors, send: (body) => (sent.push({ id: 'f-x', body }), 'f-x') });
    after.onConnected();
    await until('the restarted agent\'s frame', () => sent[3]);
    after.stop();
    assert.deepEqual([sent[3]!.body.seq, sent[3]!.body.lines.map((l) => l.text)], [2, ['two']]);
  });

  it('waits and sends the same lines again when the coordinator is busy', async function () {
    startDeployment('d-DEPLOY03');
    write('LifecycleEvent - ValidateService', '[stdout]one');
    shipping.onConnected();
    await until('a frame', () => sent[0]);
    ack(0, 'busy');
    await until('the frame again', () => sent[1]);
    assert.equal(sent[1]!.body.seq, 1);
  });

  it('marks the cursor done once the deployment is over and everything is acknowledged', async function () {
    startDeployment('d-DEPLOY04');
    write('LifecycleEvent - AfterInstall', '[stdout]last');
    journal.finishDeployment({ commandId: 'c-DEPLOY04', deploymentId: 'd-DEPLOY04', status: 'Succeeded' }, new Date());
    shipping.onConnected();
    await until('a frame', () => sent[0]);
    assert.ok(journal.logCursors.pendingOf('d-DEPLOY04'));
    ack(0);
    await until('the cursor to be done', () => (journal.logCursors.pendingOf('d-DEPLOY04') === undefined ? true : undefined));
  });
});
