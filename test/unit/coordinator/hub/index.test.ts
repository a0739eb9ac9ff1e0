import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { WebSocket } from 'ws';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { AgentEventBody } from '../../../../protocol/src/index.ts';
import { Hub, type HubDeps } from '../../../../coordinator/src/hub/index.ts';
import type { AgentEventSink } from '../../../../coordinator/src/hub/types.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { forEachStore, insertInstance, seed, type TestStore } from '../scheduler/seed.ts';
import { capturingLogger, linesWith } from '../../../support/capture-log.ts';
import { countingEvents, INSTANCE, inventory, PATH, signedHeaders, TestAgent, watched } from './test-agent.ts';

/** A scheduler that only takes bursts of events (handed to `onBurst`) and accepts everything else. */
function burstsOnly(onBurst: (items: Parameters<AgentEventSink['applyAgentEvents'] & {}>[0]) => Promise<void>): AgentEventSink {
  return {
    applyAgentEvent: async () => () => undefined,
    applyAgentEvents: async (items) => {
      await onBurst(items);
      return () => undefined;
    },
    acknowledgeCommand: async () => undefined,
    acknowledgeCommands: async () => undefined,
    unackedCommands: async () => [],
  };
}

forEachStore('Hub', (current, kind) => {
  let db: TestStore;
  let store: Store;
  let hub: Hub;
  let server: http.Server;
  let url: string;
  let key: KeyObject;
  let applied: number;
  const agents: WebSocket[] = [];

  function startHub(extra: Partial<HubDeps> = {}): void {
    hub = new Hub({ store, clock: systemClock, logger: silentLogger(), heartbeatMs: 15_000, ...extra });
    const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger(), hub });
    const counting: AgentEventSink = {
      applyAgentEvent: (id, body, tx) => {
        applied += 1;
        return scheduler.applyAgentEvent(id, body, tx);
      },
      // Bursts as the coordinator applies them (one store call per burst), counted per event.
      applyAgentEvents: (items, tx) => {
        applied += items.length;
        return scheduler.applyAgentEvents(items, tx);
      },
      acknowledgeCommand: (id, commandId, tx) => scheduler.acknowledgeCommand(id, commandId, tx),
      acknowledgeCommands: (acks, tx) => scheduler.acknowledgeCommands(acks, tx),
      unackedCommands: (id) => scheduler.unackedCommands(id),
      agentConnected: (id) => scheduler.agentConnected(id),
    };
    hub.attach(counting);
  }

  beforeEach(async () => {
    db = current();
    store = db.store;
    applied = 0;
    const pair = generateKeyPairSync('ed25519');
    key = pair.privateKey;
    await insertInstance(db, INSTANCE, { env: 'prod' }, 0, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    startHub();
    server = http.createServer();
    server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
  });

  afterEach(async () => {
    for (const ws of agents.splice(0)) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    await hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function track(ws: WebSocket): WebSocket {
    // Refusals and terminations surface as 'error' on the client; each test asserts what it expects.
    ws.on('error', () => undefined);
    agents.push(ws);
    return ws;
  }

  async function connect(headers = signedHeaders(key), opts: { autoPong?: boolean } = {}): Promise<TestAgent> {
    const ws = track(new WebSocket(url, { headers, ...opts }));
    const agent = new TestAgent(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return agent;
  }

  async function hello(): Promise<TestAgent> {
    const agent = await connect();
    agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
    await agent.next('coord.welcome');
    return agent;
  }

  function event(seq: number, commandId: string, deploymentId: string): AgentEventBody {
    return { seq, commandId, deploymentId, lifecycleEvent: 'ApplicationStop', status: 'InProgress', at: new Date().toISOString() };
  }

  describe('#handleUpgrade', () => {
    it('refuses a connection whose signature does not verify with 401', async () => {
      const other = generateKeyPairSync('ed25519').privateKey;
      const ws = track(new WebSocket(url, { headers: signedHeaders(other) }));
      const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      assert.equal(status, 401);
    });

    it('refuses a replayed signature', async () => {
      const headers = signedHeaders(key);
      await connect(headers);
      await assert.rejects(connect(headers), /401/);
    });

    it('replaces an older session of the same instance', async () => {
      const first = await connect();
      const second = await connect();
      assert.equal(await first.closed(), 4000);
      second.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      await second.next('coord.welcome');
      assert.equal(hub.isConnected(INSTANCE), true);
    });

    it('counts an agent as connected only once its hello is recorded', async () => {
      const agent = await connect();
      assert.equal(hub.isConnected(INSTANCE), false, 'an open socket without hello is not a usable host');
      agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      await agent.next('coord.welcome');
      assert.equal(hub.isConnected(INSTANCE), true);
    });
  });

  describe('frames', () => {
    it('answers hello with welcome carrying the cursor and heartbeat', async () => {
      const agent = await connect();
      agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      const welcome = await agent.next('coord.welcome');
      assert.deepEqual(welcome.body, { instanceId: INSTANCE, lastAppliedSeq: 0, heartbeatMs: 15_000 });
      const row = (await db.get('SELECT agent_version, last_seen FROM instances WHERE instance_id = ?', INSTANCE)) as { agent_version: string; last_seen: string };
      assert.equal(row.agent_version, '0.1.0');
    });

    it('re-sends an unacknowledged command after hello', async () => {
      const s = await seed(db, 0);
      const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger(), hub });
      const deploymentId = await scheduler.createDeployment({
        applicationId: s.applicationId,
        deploymentGroupId: s.deploymentGroupId,
        revisionId: s.revisionId,
        deploymentConfigName: 'OneAtATime',
        fileExistsBehavior: 'DISALLOW',
        ignoreApplicationStopFailures: false,
        parameters: {},
        creator: 'user',
      });
      const agent = await hello();
      const command = await agent.next('coord.command');
      assert.equal(command.body.deploymentId, deploymentId);
    });

    it('carries a deployment to Succeeded from ack and events sent over the socket', async () => {
      const s = await seed(db, 0);
      const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger(), hub });
      const agent = await hello();
      const deploymentId = await scheduler.createDeployment({
        applicationId: s.applicationId,
        deploymentGroupId: s.deploymentGroupId,
        revisionId: s.revisionId,
        deploymentConfigName: 'AllAtOnce',
        fileExistsBehavior: 'DISALLOW',
        ignoreApplicationStopFailures: false,
        parameters: {},
        creator: 'user',
      });
      const { commandId } = (await agent.next('coord.command')).body;
      agent.send('agent.command.ack', { commandId });
      agent.send('agent.event', { seq: 1, commandId, deploymentId, status: 'Succeeded', at: new Date().toISOString() });
      assert.equal((await agent.next('coord.ack')).body.seq, 1);
      assert.equal((await scheduler.getDeploymentView(deploymentId))?.status, 'Succeeded');
      assert.deepEqual(await scheduler.unackedCommands(INSTANCE), []);
    });

    it('stores an event time from year 9999 clamped to the coordinator clock, with the agent value beside it', async () => {
      const s = await seed(db, 0);
      const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger(), hub });
      const agent = await hello();
      const deploymentId = await scheduler.createDeployment({
        applicationId: s.applicationId,
        deploymentGroupId: s.deploymentGroupId,
        revisionId: s.revisionId,
        deploymentConfigName: 'AllAtOnce',
        fileExistsBehavior: 'DISALLOW',
        ignoreApplicationStopFailures: false,
        parameters: {},
        creator: 'user',
      });
      const { commandId } = (await agent.next('coord.command')).body;
      agent.send('agent.command.ack', { commandId });
      const before = Date.now();
      agent.send('agent.event', { seq: 1, commandId, deploymentId, lifecycleEvent: 'ApplicationStop', status: 'InProgress', at: '9999-12-31T23:59:59.000Z' });
      agent.send('agent.event', { seq: 2, commandId, deploymentId, lifecycleEvent: 'ApplicationStop', status: 'Succeeded', at: new Date().toISOString() });
      // Acks are cumulative: both events may be answered by one ack of seq 2.
      while ((await agent.next('coord.ack')).body.seq < 2);
      const view = await scheduler.getDeploymentView(deploymentId);
      const stop = view?.targets[0]?.lifecycleEvents.find((e) => e.lifecycleEventName === 'ApplicationStop');
      const started = Date.parse(stop?.startTime ?? '');
      // Clamped to when the coordinator received it.
      assert.ok(started >= before && started <= Date.now(), `startTime ${stop?.startTime}`);
      assert.equal(stop?.agentReportedTime, '9999-12-31T23:59:59.000Z');
      assert.equal(stop?.endTime !== undefined && Date.parse(stop.endTime) <= Date.now(), true, `endTime ${stop?.endTime}`);
    });

    it('applies an event once even when it is sent twice, acking the cursor both times', async () => {
      const agent = await hello();
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.ack')).body.seq, 1);
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.ack')).body.seq, 1);
      assert.equal(applied, 1);
    });

    it('applies a burst of events in order and acks up to the last of them', async () => {
      const agent = await hello();
      for (const seq of [1, 2, 3]) agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      let acked = 0;
      while (acked < 3) acked = (await agent.next('coord.ack')).body.seq;
      assert.equal(applied, 3);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 3);
    });

    it('wakes the live followers of the deployment whose events it applied, and no other', async () => {
      const woken: string[] = [];
      hub.feed.subscribe('d-FOLLOWEDDEP', () => woken.push('followed'));
      hub.feed.subscribe('d-OTHERDEPLOY', () => woken.push('other'));
      const agent = await hello();
      for (const seq of [1, 2]) agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-FOLLOWEDDEP'));
      let acked = 0;
      while (acked < 2) acked = (await agent.next('coord.ack')).body.seq;
      assert.ok(woken.length >= 1, 'the followed deployment was woken');
      assert.deepEqual([...new Set(woken)], ['followed']);
    });

    it('gathers the events that arrive while a burst is applied into the next burst, not one burst each', async () => {
      const bursts: number[][] = [];
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      hub.attach(
        burstsOnly(async (items) => {
          bursts.push(items.map((i) => i.event.seq));
          // The first burst is slow (a store far away): the next events arrive meanwhile.
          if (bursts.length === 1) await held;
        }),
      );
      const agent = await hello();
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      while (bursts.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const seq of [2, 3, 4, 5]) {
        agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      release();
      let acked = 0;
      while (acked < 5) acked = (await agent.next('coord.ack')).body.seq;
      assert.deepEqual(bursts, [[1], [2, 3, 4, 5]]);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 5);
    });

    it('keeps the events before a failing one of a burst and answers the failure with coord.error', async () => {
      hub.attach({
        applyAgentEvent: async (_id, body) => {
          if (body.seq === 2) throw new Error('boom');
          // Counted once committed: the burst is rolled back and applied again event by event.
          return () => {
            applied += 1;
          };
        },
        acknowledgeCommand: async () => undefined,
        unackedCommands: async () => [],
      });
      const agent = await hello();
      for (const seq of [1, 2, 3]) agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.error')).body.code, 'INTERNAL');
      assert.equal(applied, 1);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 1);
    });

    // The 10,000-host failover run lost a host's last event so: the burst failed, the event deadlocked when applied alone.
    if (kind === 'postgres') {
      it('applies an event again when applying it frame by frame deadlocks, acking it instead of answering coord.error', async () => {
        const other = 'i-OTHERHOST1';
        await insertInstance(db, other, { env: 'prod' }, 1);
        const outside = new pg.Client({ connectionString: db.url });
        outside.on('error', () => undefined);
        await outside.connect();
        let calls = 0;
        let deadlocked: Promise<unknown> | undefined;
        hub.attach({
          applyAgentEvent: async (_id, _body, tx) => {
            calls += 1;
            if (calls === 1) {
              // The hub's unit of work holds this host's row (its cursor); another one holds `other` and then wants this host's row.
              await outside.query('BEGIN');
              await outside.query('SELECT 1 FROM instances WHERE instance_id = $1 FOR UPDATE', [other]);
              deadlocked = (async () => {
                await new Promise((resolve) => setTimeout(resolve, 200));
                await outside.query('SELECT 1 FROM instances WHERE instance_id = $1 FOR UPDATE', [INSTANCE]);
                await outside.query('COMMIT');
              })();
              await tx.instances.lastAppliedSeq(other);
            }
            return () => {
              applied += 1;
            };
          },
          // The whole burst fails first, so it is applied again frame by frame.
          applyAgentEvents: async () => {
            throw new Error('the burst failed');
          },
          acknowledgeCommand: async () => undefined,
          acknowledgeCommands: async () => undefined,
          unackedCommands: async () => [],
        });
        try {
          const agent = await hello();
          agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
          const answered = (): boolean => agent.frames.some((f) => f.type === 'coord.ack' || f.type === 'coord.error');
          while (!answered()) await new Promise((resolve) => setTimeout(resolve, 10));
          await deadlocked;
          assert.deepEqual(
            agent.frames.map((f) => f.type),
            ['coord.ack'],
            'the event is acked, not lost',
          );
          assert.equal(calls, 2, 'the frame deadlocked once and was applied again');
          assert.equal(applied, 1);
          assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 1);
        } finally {
          await outside.end();
        }
      });
    }

    it('applies a command ack in order with the events of its burst, answering only the events', async () => {
      const order: string[] = [];
      hub.attach({
        applyAgentEvent: async (_id, body) => (order.push(`event ${body.seq}`), () => undefined),
        acknowledgeCommand: async (_id, commandId) => void order.push(`ack ${commandId}`),
        unackedCommands: async () => [],
      });
      const agent = await hello();
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      agent.send('agent.command.ack', { commandId: 'c-SECONDCMD' });
      agent.send('agent.event', event(2, 'c-SECONDCMD', 'd-UNKNOWNDEP'));
      let acked = 0;
      while (acked < 2) acked = (await agent.next('coord.ack')).body.seq;
      assert.deepEqual(order, ['event 1', 'ack c-SECONDCMD', 'event 2']);
      assert.equal(agent.frames.filter((f) => f.type === 'coord.ack').length, 0);
    });

    it('answers a failing command ack with coord.error and still applies the events of its burst', async () => {
      hub.attach({
        applyAgentEvent: async () => () => {
          applied += 1;
        },
        acknowledgeCommand: async () => {
          throw new Error('boom');
        },
        unackedCommands: async () => [],
      });
      const agent = await hello();
      agent.send('agent.command.ack', { commandId: 'c-UNKNOWNCMD' });
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.error')).body.message, 'could not handle agent.command.ack');
      assert.equal((await agent.next('coord.ack')).body.seq, 1);
      assert.equal(applied, 1);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 1);
    });

    it('cuts a burst at its frame bound and lets the event loop turn between bursts, keeping order and exactly-once', async () => {
      await hub.close();
      // Each burst is one transaction: count them, and whether the loop turned before each.
      const bursts: string[][] = [];
      const turns: boolean[] = [];
      let turned = true;
      let hold: Promise<void> | undefined;
      const counted = watched(store, () => {
        turns.push(turned);
        turned = false;
        setImmediate(() => (turned = true));
        bursts.push([]);
      });
      startHub({ burstFrames: 2, store: counted });
      const record = async (frames: string[]): Promise<void> => {
        bursts[bursts.length - 1]?.push(...frames);
        // The first burst is slow, so the later ones queue behind it.
        const wait = hold;
        hold = undefined;
        await wait;
      };
      hub.attach({
        applyAgentEvent: async () => () => undefined,
        applyAgentEvents: async (items) => {
          await record(items.map((i) => `event ${i.event.seq}`));
          return () => undefined;
        },
        acknowledgeCommand: async () => undefined,
        acknowledgeCommands: async (acks) => record(acks.map((a) => `ack ${a.commandId}`)),
        unackedCommands: async () => [],
      });
      const agent = await hello();
      bursts.length = 0;
      turns.length = 0;
      hold = new Promise((resolve) => setTimeout(resolve, 100));
      for (const seq of [1, 2, 3, 4, 5]) agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      agent.send('agent.command.ack', { commandId: 'c-SECONDCMD' });
      for (const seq of [6, 7]) agent.send('agent.event', event(seq, 'c-SECONDCMD', 'd-UNKNOWNDEP'));
      let acked = 0;
      while (acked < 7) acked = (await agent.next('coord.ack')).body.seq;
      // A burst hands its acks over before its events (one call each): order within each kind.
      const all = bursts.flat();
      assert.deepEqual(all.filter((f) => f.startsWith('event')), [1, 2, 3, 4, 5, 6, 7].map((n) => `event ${n}`));
      assert.deepEqual(all.filter((f) => f.startsWith('ack')), ['ack c-SECONDCMD']);
      assert.ok(bursts.length >= 4 && bursts.every((b) => b.length <= 2), `bursts of at most 2 frames: ${JSON.stringify(bursts)}`);
      assert.ok(turns.every(Boolean), `the loop turned before every burst: ${JSON.stringify(turns)}`);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, 7);
    });

    it("takes as many frames in one burst as the store's bound: 500 on SQLite, more on PostgreSQL", async () => {
      assert.equal(store.burstFrames, kind === 'sqlite' ? 500 : 2000);
      await hub.close();
      const FRAMES = 601;
      let received = 0;
      let everyFrameReceived!: () => void;
      const allIn = new Promise<void>((resolve) => (everyFrameReceived = resolve));
      let firstBurstStarted!: () => void;
      const firstStarted = new Promise<void>((resolve) => (firstBurstStarted = resolve));
      // The store as it is: the bound is the store's, not one given to the hub.
      startHub({
        metrics: countingEvents(() => {
          received += 1;
          if (received === FRAMES) everyFrameReceived();
        }),
      });
      const sizes: number[] = [];
      hub.attach(
        burstsOnly(async (items) => {
          sizes.push(items.length);
          if (sizes.length === 1) {
            // Every later frame queues behind the first burst.
            firstBurstStarted();
            await allIn;
          }
        }),
      );
      const agent = await hello();
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      await firstStarted;
      for (let seq = 2; seq <= FRAMES; seq++) agent.send('agent.event', event(seq, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      let acked = 0;
      while (acked < FRAMES) acked = (await agent.next('coord.ack')).body.seq;
      assert.deepEqual(sizes, kind === 'sqlite' ? [1, 500, 100] : [1, 600]);
      assert.equal((await store.instances.get(INSTANCE))?.lastAppliedSeq, FRAMES);
    });

    it('refuses a frame bound that is not a positive integer', () => {
      assert.throws(() => new Hub({ store, clock: systemClock, logger: silentLogger(), burstFrames: 0 }), /burstFrames must be a positive integer, got 0/);
    });

    it('does not apply an event after a gap', async () => {
      const agent = await hello();
      agent.send('agent.event', event(2, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.ack')).body.seq, 0);
      assert.equal(applied, 0);
    });

    it('answers an unknown frame type with coord.error and stays connected', async () => {
      const agent = await connect();
      agent.send('agent.dance', {});
      const error = await agent.next('coord.error');
      assert.equal(error.body.code, 'PROTOCOL_UNKNOWN_TYPE');
      agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      await agent.next('coord.welcome');
    });

    it('closes the session on a protocol version mismatch', async () => {
      const agent = await connect();
      agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory }, 99);
      assert.equal((await agent.next('coord.error')).body.code, 'PROTOCOL_VERSION_MISMATCH');
      assert.equal(await agent.closed(), 1002);
    });

    it('refuses a hello naming another instance', async () => {
      const agent = await connect();
      agent.send('agent.hello', { instanceId: 'i-SOMEONEELSE', agentVersion: '0.1.0', inventory });
      assert.equal((await agent.next('coord.error')).body.code, 'AUTH_FAILED');
      assert.equal(await agent.closed(), 1008);
    });
  });

  describe('connections that have not said hello', () => {
    it('closes a connection that sends no hello within the timeout', async () => {
      await hub.close();
      startHub({ helloTimeoutMs: 100 });
      const agent = await connect();
      assert.equal(await agent.closed(), 1008);
      assert.equal(hub.isConnected(INSTANCE), false);
    });

    it('keeps a connection that said hello past the timeout', async () => {
      await hub.close();
      startHub({ helloTimeoutMs: 100 });
      const agent = await hello();
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(agent.ws.readyState, WebSocket.OPEN);
      assert.equal(hub.isConnected(INSTANCE), true);
    });

    it('keeps a connection whose hello arrived but waits its turn behind slow work past the timeout', async () => {
      await hub.close();
      let eventReceived!: () => void;
      const received = new Promise<void>((resolve) => (eventReceived = resolve));
      startHub({ helloTimeoutMs: 100, metrics: countingEvents(() => eventReceived()) });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      hub.attachTraffic({ trafficRequested: () => held });
      const first = await hello();
      // Frames of the host still wait when it reconnects: slow work, and an event behind it.
      first.send('agent.traffic.request', { deploymentId: 'd-UNKNOWNDEP', commandId: 'c-UNKNOWNCMD', lifecycleEvent: 'BlockTraffic' });
      first.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      await received;
      const second = await connect();
      second.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(second.ws.readyState, WebSocket.OPEN, 'not closed for want of a hello');
      release();
      // Handled after the frames its host sent before it: the welcome's cursor counts the event.
      assert.equal((await second.next('coord.welcome')).body.lastAppliedSeq, 1);
      assert.equal(hub.isConnected(INSTANCE), true);
    });
  });

  describe('hellos', () => {
    async function secondHost(): Promise<TestAgent> {
      const pair = generateKeyPairSync('ed25519');
      await insertInstance(db, 'i-SECONDAGNT', { env: 'prod' }, 0, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      return connect(signedHeaders(pair.privateKey, 'i-SECONDAGNT'));
    }

    it("answers a host's hello while other hosts' frames wait, not after them", async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let workStarted!: () => void;
      const started = new Promise<void>((resolve) => (workStarted = resolve));
      hub.attachTraffic({
        trafficRequested: () => {
          workStarted();
          return held;
        },
      });
      const first = await hello();
      const second = await secondHost();
      // Slow work of the first host, and a burst of its events behind it.
      first.send('agent.traffic.request', { deploymentId: 'd-UNKNOWNDEP', commandId: 'c-UNKNOWNCMD', lifecycleEvent: 'BlockTraffic' });
      first.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      await started;
      // Queued behind them, this hello would wait for the release that only its welcome brings.
      second.send('agent.hello', { instanceId: 'i-SECONDAGNT', agentVersion: '0.1.0', inventory });
      await second.next('coord.welcome');
      assert.equal(hub.isConnected('i-SECONDAGNT'), true);
      assert.equal(applied, 0, "the first host's event still waits");
      release();
      assert.equal((await first.next('coord.ack')).body.seq, 1);
      assert.equal(applied, 1);
    });

    it('applies the frames a host sends after its hello once the hello is handled, in order', async () => {
      await hub.close();
      let eventReceived!: () => void;
      const received = new Promise<void>((resolve) => (eventReceived = resolve));
      startHub({ metrics: countingEvents(() => eventReceived()) });
      const order: string[] = [];
      hub.attach({
        applyAgentEvent: async () => () => undefined,
        applyAgentEvents: async (items) => {
          order.push(...items.map((i) => `event ${i.event.seq}`));
          return () => undefined;
        },
        acknowledgeCommand: async () => undefined,
        acknowledgeCommands: async (acks) => void order.push(...acks.map((a) => `ack ${a.commandId}`)),
        unackedCommands: async () => [],
        // The hello's last step lasts until the host's next frames have arrived, and a while
        // after: long enough for a burst that did not wait for it to be applied first.
        agentConnected: async () => {
          await received;
          await new Promise((resolve) => setTimeout(resolve, 200));
          order.push('hello');
        },
      });
      const agent = await connect();
      agent.send('agent.hello', { instanceId: INSTANCE, agentVersion: '0.1.0', inventory });
      agent.send('agent.command.ack', { commandId: 'c-UNKNOWNCMD' });
      agent.send('agent.event', event(1, 'c-UNKNOWNCMD', 'd-UNKNOWNDEP'));
      assert.equal((await agent.next('coord.ack')).body.seq, 1);
      assert.deepEqual(order, ['hello', 'ack c-UNKNOWNCMD', 'event 1']);
    });
  });

  describe('#closeInstance', () => {
    it('closes a session that has not said hello', async () => {
      const agent = await connect();
      assert.equal(hub.closeInstance(INSTANCE), 1);
      assert.equal(await agent.closed(), 4001);
    });

    it('closes a greeted session, which then counts as not connected', async () => {
      const agent = await hello();
      assert.equal(hub.closeInstance(INSTANCE), 1);
      assert.equal(hub.isConnected(INSTANCE), false);
      assert.equal(await agent.closed(), 4001);
    });

    it('refuses a new upgrade of the instance, even one whose signature verifies', async () => {
      hub.closeInstance(INSTANCE);
      await assert.rejects(connect(), /401/);
    });
  });

  describe('bad frames', () => {
    it('logs a flood of bad frames from one host a few times, not once per frame', async () => {
      await hub.close();
      const lines: string[] = [];
      startHub({ logger: capturingLogger(lines) });
      const agent = await connect();
      for (let i = 0; i < 300; i++) agent.ws.send('x');
      // Every bad frame is still answered (the agent learns what is wrong), only the log is limited.
      for (let i = 0; i < 300; i++) assert.equal((await agent.next('coord.error')).body.code, 'PROTOCOL_INVALID_FRAME');
      assert.equal(linesWith(lines, 'bad agent frame').length, 5);
      const logged = lines.join('').length;
      assert.ok(logged < 300 * 39, `logged ${logged} bytes for 300 one-byte frames`);
    });

    it('logs refused upgrades from one address a few times, not once per attempt', async () => {
      await hub.close();
      const lines: string[] = [];
      startHub({ logger: capturingLogger(lines) });
      const other = generateKeyPairSync('ed25519').privateKey;
      for (let i = 0; i < 20; i++) await assert.rejects(connect(signedHeaders(other)), /401/);
      assert.equal(linesWith(lines, 'agent connection refused').length, 5);
    });
  });

  describe('heartbeat', () => {
    it('terminates a session that stops answering pings', async () => {
      await hub.close();
      startHub({ heartbeatMs: 50 });
      const agent = await connect(signedHeaders(key), { autoPong: false });
      await agent.closed();
      assert.equal(hub.isConnected(INSTANCE), false);
    });
  });
});
