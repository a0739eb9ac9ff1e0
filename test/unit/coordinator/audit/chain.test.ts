import assert from 'node:assert/strict';
import { chainBreak, chainNext, GENESIS_HASH } from '../../../../coordinator/src/audit/chain.ts';
import { auditDetails } from '../../../../coordinator/src/audit/details.ts';
import type { AuditEntry, AuditRecord } from '../../../../coordinator/src/store/audit.ts';

const entry = (n: number): AuditEntry => ({ at: `2030-01-01T00:00:0${n}.000Z`, actor: 'admin', action: 'POST /v1/deployments', target: `d-${n}`, details: { body: { n } }, outcome: '201' });

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) out.push(chainNext(out.at(-1), entry(i)));
  return out;
}

function firstBreak(records: AuditRecord[]): string | undefined {
  let previous: AuditRecord | undefined;
  for (const r of records) {
    const reason = chainBreak(previous, r);
    if (reason) return reason;
    previous = r;
  }
  return undefined;
}

describe('audit/chain', () => {
  it('chains records from the genesis hash, each to the one before', () => {
    const records = chain(3);
    assert.equal(records[0]?.prevHash, GENESIS_HASH);
    assert.equal(records[1]?.prevHash, records[0]?.hash);
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3]);
    assert.equal(firstBreak(records), undefined);
  });

  it('names a deleted record, first or in the middle', () => {
    const records = chain(4);
    assert.equal(firstBreak([records[0]!, records[2]!, records[3]!]), 'record 2 is missing (deleted?): record 3 follows record 1');
    assert.equal(firstBreak(records.slice(1)), 'record 1 is missing (deleted?): record 2 follows the start of the log');
    assert.equal(firstBreak([records[0]!, records[3]!]), 'records 2-3 are missing (deleted?): record 4 follows record 1');
  });

  it('names an edited record, whichever field was changed', () => {
    for (const edit of [{ actor: 'mallory' }, { outcome: '403 FORBIDDEN' }, { details: { body: { n: 99 } } }, { at: '2031-01-01T00:00:00.000Z' }]) {
      const records = chain(3);
      records[1] = { ...records[1]!, ...edit };
      assert.equal(firstBreak(records), 'record 2 was edited: its contents no longer match its hash', JSON.stringify(edit));
    }
  });

  it('names a record replaced with a rehashed one, since the next no longer chains to it', () => {
    const records = chain(3);
    const forged = chainNext(records[0], { ...entry(2), actor: 'mallory' });
    assert.equal(firstBreak([records[0]!, forged, records[2]!]), 'record 3 does not chain to record 2 (one of them was edited or replaced)');
  });
});

describe('audit/details', () => {
  it('keeps params, query and body fields, and drops anything secret', () => {
    const details = auditDetails({
      params: { id: 'd-1' },
      query: { bundleType: 'tgz' },
      body: { name: 'ci', role: 'deployer', token: 'dh_x', clientSecret: 's', password: 'p', nested: { privateKey: 'k', keep: 1 } },
    });
    assert.deepEqual(details, { params: { id: 'd-1' }, query: { bundleType: 'tgz' }, body: { name: 'ci', role: 'deployer', nested: { keep: 1 } } });
  });

  it('cuts long strings and long lists, and records no stream', () => {
    const details = auditDetails({ body: { text: 'x'.repeat(300), list: Array.from({ length: 60 }, (_, i) => i) } });
    const body = details['body'] as { text: string; list: unknown[] };
    assert.match(body.text, /^x{256}… \(300 chars\)$/);
    assert.equal(body.list.length, 51);
    assert.equal(body.list.at(-1), '… 10 more');
    assert.deepEqual(auditDetails({ body: Buffer.from('bytes') }), {});
  });
});
