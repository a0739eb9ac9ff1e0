import assert from 'node:assert/strict';
import type { ZodMiniType } from 'zod/mini';
import { AGENT_EVENT_FIELDS, HOT_AGENT_BODIES, isHotFrame } from '../../../protocol/src/hot-frames.ts';
import { AGENT_FRAME_BODIES, PROTOCOL_VERSION, makeFrame, parseAgentFrame } from '../../../protocol/src/index.ts';

const AgentEvent = AGENT_FRAME_BODIES['agent.event'];

const body = {
  seq: 7,
  commandId: 'c-ABCDEFGH',
  deploymentId: 'd-ABCDEFGH',
  lifecycleEvent: 'AfterInstall',
  status: 'Failed',
  errorCode: 'ScriptFailed',
  message: 'Script at specified location: scripts/x.sh failed with exit code 1',
  scriptName: 'scripts/x.sh',
  logTail: 'boom',
  at: '2026-11-22T06:02:02.123Z',
};

function frameWith(changes: Record<string, unknown>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...body, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete next[key];
  return { ...makeFrame('agent.event', 'f-1', next), ts: '2026-11-22T06:02:02.000Z' };
}

/** Bodies around every limit of the AgentEvent schema, valid and not. */
const BODY_CASES: Record<string, unknown>[] = [
  {},
  { lifecycleEvent: undefined, errorCode: undefined, message: undefined, scriptName: undefined, logTail: undefined },
  { seq: 0 }, { seq: -1 }, { seq: 1.5 }, { seq: 2 ** 53 }, { seq: '1' }, { seq: undefined },
  { commandId: 'c-ABCDE' }, { commandId: 'C-ABCDEFGH' }, { commandId: 7 }, { deploymentId: undefined },
  { lifecycleEvent: 'afterInstall' }, { lifecycleEvent: 'A'.repeat(65) }, { lifecycleEvent: null },
  { status: 'Succeeded' }, { status: 'WaitingForAgent' }, { status: 'Done' },
  { errorCode: 'NoSuchCode' }, { errorCode: 'AGENT_OFFLINE' },
  { message: 'x'.repeat(8192) }, { message: 'x'.repeat(8193) }, { scriptName: 'x'.repeat(1025) }, { logTail: 'x'.repeat(8193) },
  { at: '2024-02-29T00:00:00Z' }, { at: '2026-02-29T00:00:00Z' }, { at: '2026-01-01T24:00:00Z' },
  { at: '2026-01-01T00:00:00.123456Z' }, { at: '2026-01-01T00:00:00+01:00' }, { at: '2026-01-01T00:00:00' },
  { at: '2026-13-01T00:00:00Z' }, { at: 0 },
  { extra: 1 },
];

describe('hot frames', function () {
  describe('isHotFrame', function () {
    it('accepts an agent.event body exactly when the AgentEvent schema does', function () {
      for (const changes of BODY_CASES) {
        const frame = frameWith(changes);
        const json = JSON.parse(JSON.stringify(frame));
        assert.equal(isHotFrame(json, HOT_AGENT_BODIES), AgentEvent.safeParse(json.body).success, JSON.stringify(changes));
      }
    });

    it('never accepts a __proto__ key in the body, which JSON.parse makes an own key', function () {
      const json = JSON.parse(JSON.stringify(frameWith({})).replace('"seq"', '"__proto__":{},"seq"'));
      assert.equal(isHotFrame(json, HOT_AGENT_BODIES), false);
    });

    it('accepts no envelope the schemas refuse', function () {
      const good = frameWith({});
      const bad = [
        { ...good, v: PROTOCOL_VERSION + 1 }, { ...good, v: '1' }, { ...good, id: '' }, { ...good, id: 'x'.repeat(65) },
        { ...good, ts: 'yesterday' }, { ...good, body: [] }, { ...good, body: null }, { ...good, extra: true },
        { v: good['v'], type: good['type'], id: good['id'], body: good['body'] },
      ];
      for (const frame of bad) {
        assert.equal(isHotFrame(frame, HOT_AGENT_BODIES), false, JSON.stringify(frame));
        assert.equal(parseAgentFrame(JSON.stringify(frame)).ok, false, JSON.stringify(frame));
      }
    });

    it('leaves every other frame type to the schemas', function () {
      assert.equal(isHotFrame(makeFrame('agent.command.ack', 'f-1', { commandId: 'c-ABCDEFGH' }), HOT_AGENT_BODIES), false);
    });

    it('checks every field of the AgentEvent schema, with the same ones required', function () {
      const shape: Record<string, ZodMiniType> = AgentEvent.shape;
      assert.deepEqual(Object.keys(AGENT_EVENT_FIELDS.fields).sort(), Object.keys(shape).sort());
      for (const [key, check] of Object.entries(AGENT_EVENT_FIELDS.fields)) {
        assert.equal(check.required, !shape[key]?.safeParse(undefined).success, key);
      }
    });
  });

  describe('parseAgentFrame', function () {
    it('returns the same frame for an agent.event as the schemas would', function () {
      const frame = frameWith({});
      const result = parseAgentFrame(JSON.stringify(frame));
      assert.ok(result.ok);
      assert.deepEqual(result.frame, { ...frame, body: AgentEvent.parse(frame['body']) });
    });

    it('refuses a bad agent.event with the schema message naming the field', function () {
      const result = parseAgentFrame(JSON.stringify(frameWith({ commandId: 'nope' })));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_INVALID_FRAME');
      assert.equal(result.error.message, 'bad agent.event body: commandId: must be a Deckhand id such as d-AB12CD34');
    });
  });
});
