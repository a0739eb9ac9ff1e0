import assert from 'node:assert/strict';
import { checkRevisionSignature, type RevisionTrust } from '../../../../agent/src/bundle/signature-check.ts';
import { generateKeyPair, parsePublicKey, parseSecretKey, signMessage } from '../../../../common/src/minisign.ts';
import { DeckhandError, revisionDocument } from '../../../../protocol/src/index.ts';

describe('checkRevisionSignature', function () {
  const pair = generateKeyPair();
  const secret = parseSecretKey(pair.secretKeyFile);
  const sha256 = 'a'.repeat(64);
  const signed = (counter: number, fields: { application?: string; sha256?: string } = {}) => ({
    counter,
    minisig: signMessage(Buffer.from(revisionDocument({ application: fields.application ?? 'web', counter, sha256: fields.sha256 ?? sha256 })), secret, 'x'),
  });
  const trust = (highest?: number): RevisionTrust => ({ keys: [parsePublicKey(pair.publicKeyFile)], highestCounter: () => highest });

  function refuses(fn: () => unknown, code: string, message: RegExp): void {
    assert.throws(fn, (err: unknown) => err instanceof DeckhandError && err.code === code && message.test(err.message));
  }

  it('checks nothing when the agent trusts no key', function () {
    assert.equal(checkRevisionSignature({ keys: [], highestCounter: () => undefined }, { application: 'web', sha256 }), undefined);
  });

  it('accepts a revision signed for this application and sha256, returning its counter', function () {
    assert.equal(checkRevisionSignature(trust(3), { application: 'web', sha256, signature: signed(3) }), 3);
  });

  it('refuses an unsigned revision with SignatureMissing', function () {
    refuses(() => checkRevisionSignature(trust(), { application: 'web', sha256 }), 'SignatureMissing', /accepts only signed revisions/);
  });

  it('refuses a signature for other bytes, another application, or by another key, with SignatureInvalid', function () {
    refuses(() => checkRevisionSignature(trust(), { application: 'web', sha256: 'b'.repeat(64), signature: signed(1) }), 'SignatureInvalid', /does not match/);
    refuses(() => checkRevisionSignature(trust(), { application: 'api', sha256, signature: signed(1) }), 'SignatureInvalid', /does not match/);
    const other = parseSecretKey(generateKeyPair().secretKeyFile);
    const foreign = { counter: 1, minisig: signMessage(Buffer.from(revisionDocument({ application: 'web', counter: 1, sha256 })), other, 'x') };
    refuses(() => checkRevisionSignature(trust(), { application: 'web', sha256, signature: foreign }), 'SignatureInvalid', /not trusted here/);
  });

  it('refuses a counter below the highest installed with RevisionDowngrade, and accepts the same one again', function () {
    refuses(() => checkRevisionSignature(trust(5), { application: 'web', sha256, signature: signed(4) }), 'RevisionDowngrade', /counter 4, below 5/);
    assert.equal(checkRevisionSignature(trust(5), { application: 'web', sha256, signature: signed(5) }), 5);
  });
});
