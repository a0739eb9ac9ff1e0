import assert from 'node:assert/strict';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, makeFrame, parseAgentFrame, parseCoordFrame } from '../../../protocol/src/index.ts';

const event = {
  seq: 1,
  commandId: 'c-ABCDEFGH',
  deploymentId: 'd-ABCDEFGH',
  lifecycleEvent: 'AfterInstall',
  status: 'Failed',
  errorCode: 'ScriptFailed',
  message: 'Script at specified location: scripts/x.sh failed with exit code 1',
  at: new Date(0).toISOString(),
};

function raw(frame: unknown): string {
  return JSON.stringify(frame);
}

describe('protocol frames', function () {
  describe('parseAgentFrame', function () {
    it('accepts a well-formed agent.event and returns its typed body', function () {
      const result = parseAgentFrame(raw(makeFrame('agent.event', 'f1', event)));
      assert.ok(result.ok);
      assert.equal(result.frame.type, 'agent.event');
      assert.equal(result.frame.type === 'agent.event' && result.frame.body.seq, 1);
    });

    it('rejects an unknown frame type with PROTOCOL_UNKNOWN_TYPE', function () {
      const result = parseAgentFrame(raw(makeFrame('agent.teleport', 'f1', {})));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_UNKNOWN_TYPE');
      assert.match(result.error.message, /agent\.teleport/);
    });

    it('rejects a coordinator frame type arriving from an agent', function () {
      const result = parseAgentFrame(raw(makeFrame('coord.ack', 'f1', { seq: 1 })));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_UNKNOWN_TYPE');
    });

    it('rejects a body with a missing field and names the field', function () {
      const { seq: _omitted, ...noSeq } = event;
      const result = parseAgentFrame(raw(makeFrame('agent.event', 'f1', noSeq)));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_INVALID_FRAME');
      assert.match(result.error.message, /seq/);
    });

    it('rejects a body with an unknown key', function () {
      const result = parseAgentFrame(raw(makeFrame('agent.event', 'f1', { ...event, extra: true })));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_INVALID_FRAME');
    });

    it('rejects another protocol version with PROTOCOL_VERSION_MISMATCH', function () {
      const result = parseAgentFrame(raw({ ...makeFrame('agent.event', 'f1', event), v: PROTOCOL_VERSION + 1 }));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_VERSION_MISMATCH');
    });

    it('rejects an oversize frame before parsing it', function () {
      const result = parseAgentFrame('x'.repeat(MAX_FRAME_BYTES + 1));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_FRAME_TOO_LARGE');
    });

    it('rejects text that is not JSON', function () {
      const result = parseAgentFrame('{nope');
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_INVALID_FRAME');
    });

    it('does not treat inherited object keys as frame types', function () {
      const result = parseAgentFrame(raw(makeFrame('constructor', 'f1', {})));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_UNKNOWN_TYPE');
    });
  });

  describe('parseCoordFrame', function () {
    it('accepts coord.ack', function () {
      const result = parseCoordFrame(raw(makeFrame('coord.ack', 'f1', { seq: 4 })));
      assert.ok(result.ok);
    });

    it('rejects a negative ack sequence', function () {
      const result = parseCoordFrame(raw(makeFrame('coord.ack', 'f1', { seq: -1 })));
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'PROTOCOL_INVALID_FRAME');
    });

    it('accepts coord.preflight with a revision and group, without a deployment id', function () {
      const deploy = {
        applicationName: 'shop', deploymentGroupName: 'web', deploymentGroupId: 'dg-ABCDEFGH', fileExistsBehavior: 'DISALLOW',
        revision: { revisionId: 'rev-ABCDEFGH', sha256: 'a'.repeat(64), bundleType: 'tgz', size: 1, location: { kind: 'coordinator', path: '/v1/revisions/rev-ABCDEFGH/content' } },
      };
      const result = parseCoordFrame(raw(makeFrame('coord.preflight', 'f1', { requestId: 'pf-ABCDEFGH', deploy })));
      assert.ok(result.ok, JSON.stringify(result));
    });
  });

  describe('agent.preflight.result', function () {
    it('rejects more than 200 problems, naming the field', function () {
      const problems = Array.from({ length: 201 }, (_, i) => `problem ${i}`);
      const result = parseAgentFrame(raw(makeFrame('agent.preflight.result', 'f1', { requestId: 'pf-ABCDEFGH', ok: false, problems })));
      assert.ok(!result.ok);
      assert.match(result.error.message, /problems/);
    });
  });
});
