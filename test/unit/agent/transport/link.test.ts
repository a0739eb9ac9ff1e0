import assert from 'node:assert/strict';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { generateIdentityKey } from '../../../../agent/src/identity/keys.ts';
import { signRequest } from '../../../../agent/src/identity/sign.ts';
import { basicInventory } from '../../../../agent/src/inventory/basic.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { AgentLink } from '../../../../agent/src/transport/link.ts';
import { SIGNATURE_HEADERS, type CommandBody } from '../../../../protocol/src/index.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';
import { CoordinatorDouble } from './coordinator-double.ts';

const INSTANCE = 'i-INST0001';
const AT = new Date('2026-01-01T00:00:00Z');

describe('AgentLink', () => {
  let root: string;
  let journal: Journal;
  let coord: CoordinatorDouble;
  let link: AgentLink;
  let commands: CommandBody[];

  function journalEvents(...events: string[]): void {
    for (const event of events) journal.startEvent({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event }, AT);
  }

  beforeEach(async () => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    coord = await CoordinatorDouble.start();
    commands = [];
    const privateKey = generateIdentityKey(root);
    link = new AgentLink({
      clock: systemClock,
      logger: silentLogger(),
      coordinatorUrl: coord.url,
      instanceId: INSTANCE,
      agentVersion: '0.1.0',
      sign: (method, p) => signRequest({ instanceId: INSTANCE, privateKey }, method, p),
      outbox: journal.outbox,
      inventory: () => basicInventory({ root, agentVersion: '0.1.0' }),
      commands: { onCommand: (body) => commands.push(body), onCancel: () => undefined },
      random: () => 0,
      eventRetryMs: 100,
    });
  });
  afterEach(async () => {
    await link.stop();
    await coord.close();
    journal.close();
    removeDir(root);
  });

  async function connectAndWelcome(lastAppliedSeq: number, heartbeatMs = 15000): Promise<void> {
    link.start();
    await coord.until(() => coord.framesOf('agent.hello').length === coord.connections && coord.connections > 0);
    coord.send('coord.welcome', { instanceId: INSTANCE, lastAppliedSeq, heartbeatMs });
  }

  it('says hello with its instance id on a signed connection to /v1/agent/connect', async () => {
    link.start();
    await coord.until(() => coord.framesOf('agent.hello').length === 1);
    assert.equal(coord.framesOf('agent.hello')[0]?.body.instanceId, INSTANCE);
    assert.equal(coord.paths[0], '/v1/agent/connect');
    assert.equal(coord.upgrades[0]?.[SIGNATURE_HEADERS.instance], INSTANCE);
    assert.ok(coord.upgrades[0]?.[SIGNATURE_HEADERS.signature]);
  });

  it('drops rows the welcome says were applied and replays the rest in order', async () => {
    journalEvents('A', 'B', 'C');
    await connectAndWelcome(1);
    await coord.until(() => coord.framesOf('agent.event').length === 2);
    assert.deepEqual(coord.framesOf('agent.event').map((f) => [f.body.seq, f.body.lifecycleEvent]), [
      [2, 'B'],
      [3, 'C'],
    ]);
    assert.deepEqual(journal.outbox.pending().map((r) => r.seq), [2, 3]);
  });

  it('sends rows journaled after the welcome as they are committed', async () => {
    await connectAndWelcome(0);
    journalEvents('A');
    await coord.until(() => coord.framesOf('agent.event').length === 1);
    assert.equal(coord.framesOf('agent.event')[0]?.body.seq, 1);
  });

  it('marks acknowledged rows in the outbox, so they are no longer pending', async () => {
    journalEvents('A', 'B');
    await connectAndWelcome(0);
    await coord.until(() => coord.framesOf('agent.event').length === 2);
    coord.send('coord.ack', { seq: 1 });
    await coord.until(() => journal.outbox.pending().length === 1);
    assert.equal(journal.outbox.pending()[0]?.seq, 2);
  });

  it('reconnects after the server drops the socket and resends everything unacked', async () => {
    journalEvents('A', 'B');
    await connectAndWelcome(0);
    await coord.until(() => coord.framesOf('agent.event').length === 2);
    coord.dropAll();
    await coord.until(() => coord.connections === 2 && coord.framesOf('agent.hello').length === 2);
    coord.send('coord.welcome', { instanceId: INSTANCE, lastAppliedSeq: 1, heartbeatMs: 15000 });
    await coord.until(() => coord.framesOf('agent.event').length === 3);
    assert.equal(coord.framesOf('agent.event')[2]?.body.seq, 2);
  });

  it('sends unacked events again on the same connection after a retryable coord.error', async () => {
    journalEvents('A', 'B');
    await connectAndWelcome(0);
    await coord.until(() => coord.framesOf('agent.event').length === 2);
    coord.send('coord.ack', { seq: 1 });
    // The coordinator could not apply 2 (its store deadlocked, say): the agent is not to wait for a reconnect.
    coord.send('coord.error', { code: 'INTERNAL', message: 'could not handle agent.event', retryable: true });
    await coord.until(() => coord.framesOf('agent.event').length === 3);
    assert.equal(coord.framesOf('agent.event')[2]?.body.seq, 2);
    assert.equal(coord.connections, 1);
  });

  it('ignores a bad frame and keeps serving the connection', async () => {
    journalEvents('A');
    await connectAndWelcome(0);
    coord.sendRaw('{"not":"a frame"');
    coord.send('coord.nonsense', {});
    coord.send('coord.ack', { seq: 1 });
    await coord.until(() => journal.outbox.pending().length === 0);
    assert.equal(coord.connections, 1);
  });

  it('hands commands to the dispatcher', async () => {
    await connectAndWelcome(0);
    coord.send('coord.command', deployCommand('c-CMD0001', 'd-DEP0001'));
    await coord.until(() => commands.length === 1);
    assert.equal(commands[0]?.commandId, 'c-CMD0001');
  });

  it('drops a silent connection after 2.5 heartbeats and reconnects', async () => {
    await connectAndWelcome(0, 40);
    await coord.until(() => coord.connections === 2, 2000);
  });
});
