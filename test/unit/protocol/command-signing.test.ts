import assert from 'node:assert/strict';
import { canonicalJson, frameSigningPayload, isSignedCoordFrame } from '../../../protocol/src/command-signing.ts';

describe('command signing', function () {
  describe('canonicalJson', function () {
    it('sorts keys at every level, so key order on the wire does not change the bytes', function () {
      assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
      assert.equal(canonicalJson({ '10': 'a', '2': 'b', x: 'c' }), canonicalJson({ x: 'c', '2': 'b', '10': 'a' }));
    });

    it('leaves out undefined members as JSON does', function () {
      assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
    });
  });

  describe('frameSigningPayload', function () {
    const frame = { type: 'coord.command', id: 'f-1', ts: '2026-01-01T00:00:00.000Z', body: { commandId: 'c-1', deploymentId: 'd-1' } };

    it('binds the instance, so a command signed for one host is not valid for another', function () {
      assert.notDeepEqual(frameSigningPayload('i-AAAAAAAA', frame), frameSigningPayload('i-BBBBBBBB', frame));
    });

    it('binds the body, so a changed deployment id is a different payload', function () {
      const other = { ...frame, body: { commandId: 'c-1', deploymentId: 'd-2' } };
      assert.notDeepEqual(frameSigningPayload('i-AAAAAAAA', frame), frameSigningPayload('i-AAAAAAAA', other));
    });
  });

  it('signs the frames that make an agent act, not acknowledgements', function () {
    assert.equal(isSignedCoordFrame('coord.command'), true);
    assert.equal(isSignedCoordFrame('coord.preflight'), true);
    assert.equal(isSignedCoordFrame('coord.ack'), false);
  });
});
