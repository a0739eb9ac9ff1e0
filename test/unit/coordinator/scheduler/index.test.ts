import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { DeckhandError, type AgentEventBody, type CommandBody } from '../../../../protocol/src/index.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { applyEvent, FakeSender, fakeClock, outcome, seed, forEachStore, type Seeded, type TestStore } from './seed.ts';

forEachStore('Scheduler', (current) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let scheduler: Scheduler;

  beforeEach(async () => {
    db = current();
    store = db.store;
    sender = new FakeSender();
    scheduler = new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: sender });
  });

  function input(s: Seeded, config: string): NewDeployment {
    return {
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: config,
      fileExistsBehavior: 'DISALLOW',
      ignoreApplicationStopFailures: false,
      parameters: { STAGE: 'blue' },
      creator: 'user',
    };
  }

  async function deploy(hosts: number, config: string): Promise<{ s: Seeded; id: string }> {
    const s = await seed(db, hosts);
    return { s, id: await scheduler.createDeployment(input(s, config)) };
  }

  async function apply(instanceId: string, body: AgentEventBody): Promise<void> {
    return applyEvent(store, scheduler, instanceId, body);
  }

  /** Finishes the oldest unanswered command with `status`. */
  async function answer(status: 'Succeeded' | 'Failed', index: number): Promise<CommandBody> {
    const sent = sender.sent[index];
    assert.ok(sent, `command ${index} was sent`);
    await apply(sent.instanceId, outcome(sent.command, status));
    return sent.command;
  }

  async function inFlight(id: string): Promise<number> {
    return (await scheduler.getDeploymentView(id))?.overview.InProgress ?? -1;
  }

  describe('#createDeployment', () => {
    it('creates one Pending target per matching host with the 11 events an agent runs, traffic hooks included', async () => {
      const { id } = await deploy(3, 'AllAtOnce');
      const events = ((await db.get('SELECT COUNT(*) AS n FROM target_events WHERE deployment_id = ?', id)) as { n: number });
      assert.equal(events.n, 33);
    });

    it('sends a command whose spec names the revision and parameters', async () => {
      const { s } = await deploy(1, 'OneAtATime');
      const cmd = sender.sent[0]?.command;
      assert.deepEqual(cmd?.deploy.revision.location, { kind: 'coordinator', path: `/v1/revisions/${s.revisionId}/content` });
      assert.deepEqual(cmd?.deploy.parameters, { STAGE: 'blue' });
      assert.equal(cmd?.deploy.deploymentGroupName, 'prod');
    });

    it('dispatches a large AllAtOnce in slices, the event loop turning between them, every host once and in order', async () => {
      scheduler = new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: sender, sendSlice: 2 });
      const s = await seed(db, 7);
      // How many commands were out each time the loop turned while the deployment was created.
      const seen: number[] = [];
      const watch = (): void => {
        seen.push(sender.sent.length);
        if (sender.sent.length < 7) setImmediate(watch);
      };
      setImmediate(watch);
      await scheduler.createDeployment(input(s, 'AllAtOnce'));
      assert.deepEqual(sender.sent.map((x) => x.instanceId), s.instanceIds);
      assert.ok(seen.some((n) => n > 0 && n < 7), `the loop turned in the middle of the dispatch: ${JSON.stringify(seen)}`);
    });

    it('fails NO_INSTANCES when no host matches the tag filters', async () => {
      const s = await seed(db, 0);
      const view = await scheduler.getDeploymentView(await scheduler.createDeployment(input(s, 'OneAtATime')));
      assert.equal(view?.status, 'Failed');
      assert.equal(view?.errorInformation?.code, 'NO_INSTANCES');
    });

    it('fails HEALTH_CONSTRAINTS_INVALID for HalfAtATime on one host without sending anything', async () => {
      const { id } = await deploy(1, 'HalfAtATime');
      const view = await scheduler.getDeploymentView(id);
      assert.equal(view?.errorInformation?.code, 'HEALTH_CONSTRAINTS_INVALID');
      assert.match(view?.errorInformation?.message ?? '', /\(1\)/);
      assert.equal(sender.sent.length, 0);
    });

    it('refuses a second active deployment on the same group with CONFLICT', async () => {
      const { s } = await deploy(2, 'OneAtATime');
      await assert.rejects(
        scheduler.createDeployment(input(s, 'OneAtATime')),
        (err: unknown) => err instanceof DeckhandError && err.code === 'CONFLICT',
      );
    });

    it('refuses an unknown deployment configuration', async () => {
      const s = await seed(db, 1);
      await assert.rejects(scheduler.createDeployment(input(s, 'Custom.Nope')), /unknown deployment configuration/);
    });
  });

  describe('dispatch', () => {
    it('OneAtATime never has two hosts in flight', async () => {
      const { id } = await deploy(3, 'OneAtATime');
      for (let i = 0; i < 3; i++) {
        assert.equal(await inFlight(id), 1);
        assert.equal(sender.sent.length, i + 1);
        await answer('Succeeded', i);
      }
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'Succeeded');
    });

    it('AllAtOnce sends every host a command in batch 1', async () => {
      const { id } = await deploy(4, 'AllAtOnce');
      assert.equal(sender.sent.length, 4);
      assert.deepEqual((await scheduler.getDeploymentView(id))?.targets.map((t) => t.batch), [1, 1, 1, 1]);
    });

    it('records success as the group\'s last successful deployment', async () => {
      const { s, id } = await deploy(1, 'OneAtATime');
      await answer('Succeeded', 0);
      const row = ((await db.get('SELECT last_successful_deployment_id AS d FROM deployment_groups WHERE deployment_group_id = ?', s.deploymentGroupId)) as { d: string });
      assert.equal(row.d, id);
      assert.ok((await scheduler.getDeploymentView(id))?.completeTime);
    });

    it('stops with HEALTH_CONSTRAINTS when a host fails mid-way and skips the rest', async () => {
      const { id } = await deploy(3, 'OneAtATime');
      await answer('Failed', 0);
      const view = await scheduler.getDeploymentView(id);
      assert.equal(view?.status, 'Failed');
      assert.equal(view?.errorInformation?.code, 'HEALTH_CONSTRAINTS');
      assert.match(view?.errorInformation?.message ?? '', /1 of 3 instances failed/);
      assert.deepEqual(view?.overview, { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 1, Skipped: 2 });
      assert.equal(sender.sent.length, 1);
    });

    it('OneAtATime still succeeds when only the last host fails', async () => {
      const { id } = await deploy(3, 'OneAtATime');
      await answer('Succeeded', 0);
      await answer('Succeeded', 1);
      await answer('Failed', 2);
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'Succeeded');
    });

    it('AllAtOnce fails when every host fails', async () => {
      const { id } = await deploy(2, 'AllAtOnce');
      await answer('Failed', 0);
      await answer('Failed', 1);
      const view = await scheduler.getDeploymentView(id);
      assert.equal(view?.status, 'Failed');
      assert.match(view?.errorInformation?.message ?? '', /2 of 2 instances failed/);
    });
  });

  describe('#applyAgentEvent', () => {
    it('records a failed lifecycle event with diagnostics and skips the host\'s remaining events', async () => {
      const { id, s } = await deploy(2, 'AllAtOnce');
      const cmd = sender.sent[0]!.command;
      const base = { commandId: cmd.commandId, deploymentId: id, at: '2025-01-01T00:05:00.000Z' };
      await apply(s.instanceIds[0]!, { ...base, seq: 1, lifecycleEvent: 'BeforeInstall', status: 'InProgress' });
      await apply(s.instanceIds[0]!, {
        ...base,
        seq: 2,
        lifecycleEvent: 'BeforeInstall',
        status: 'Failed',
        errorCode: 'ScriptFailed',
        scriptName: 'scripts/stop.sh',
        message: 'exit 3',
        logTail: 'boom',
      });
      await apply(s.instanceIds[0]!, outcome(cmd, 'Failed', 3));
      const target = (await scheduler.getDeploymentView(id))?.targets.find((t) => t.instanceId === s.instanceIds[0]);
      const events = Object.fromEntries((target?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e]));
      assert.deepEqual(events['BeforeInstall']?.diagnostics, { errorCode: 'ScriptFailed', scriptName: 'scripts/stop.sh', message: 'exit 3', logTail: 'boom' });
      assert.equal(events['BeforeInstall']?.startTime, '2025-01-01T00:05:00.000Z');
      assert.equal(events['ValidateService']?.status, 'Skipped');
      assert.equal(target?.hostname, 'host-0');
    });

    it('ignores an event for a command the host was never sent', async () => {
      const { id, s } = await deploy(1, 'OneAtATime');
      await apply(s.instanceIds[0]!, { seq: 1, commandId: 'c-NOTSENTXXX', deploymentId: id, status: 'Succeeded', at: '2025-01-01T00:05:00.000Z' });
      assert.equal((await scheduler.getDeploymentView(id))?.status, 'InProgress');
    });

    it('sends the next command only after the transaction commits', async () => {
      await deploy(2, 'OneAtATime');
      const first = sender.sent[0]!;
      const after = await store.transaction((tx) => scheduler.applyAgentEvent(first.instanceId, outcome(first.command, 'Succeeded'), tx));
      assert.equal(sender.sent.length, 1);
      await after();
      assert.equal(sender.sent.length, 2);
    });
  });

  describe('unacknowledged commands', () => {
    it('lists a dispatched command until the agent acknowledges it', async () => {
      const { s } = await deploy(1, 'OneAtATime');
      const host = s.instanceIds[0]!;
      const cmd = sender.sent[0]!.command;
      assert.deepEqual(await scheduler.unackedCommands(host), [cmd]);
      await scheduler.acknowledgeCommand(host, cmd.commandId);
      assert.deepEqual(await scheduler.unackedCommands(host), []);
    });

    it('re-sends unacked commands with the same id when resumed after a restart', async () => {
      const { id } = await deploy(3, 'OneAtATime');
      const first = sender.sent[0]!.command;
      const restarted = new FakeSender();
      await new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: restarted }).start();
      assert.deepEqual(restarted.sent.map((x) => x.command.commandId), [first.commandId]);
      assert.equal(await inFlight(id), 1);
    });

    it('sends each command once when resuming a deployment that can dispatch more hosts', async () => {
      const s = await seed(db, 3);
      await db.run('UPDATE instances SET tags = ? WHERE instance_id = ?', '{}', s.instanceIds[2]);
      const id = await scheduler.createDeployment(input(s, 'AllAtOnce'));
      await db.run(`UPDATE deployment_targets SET status = 'Pending', command_id = NULL, batch = NULL WHERE deployment_id = ? AND instance_id = ?`, id, s.instanceIds[1]);
      const restarted = new FakeSender();
      await new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: restarted }).start();
      assert.deepEqual(restarted.sent.map((x) => x.instanceId).sort(), [s.instanceIds[0], s.instanceIds[1]]);
    });
  });
});
