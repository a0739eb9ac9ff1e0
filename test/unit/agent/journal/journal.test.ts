import assert from 'node:assert/strict';
import path from 'node:path';
import { openSqlite } from '../../../../common/src/sqlite.ts';
import { openJournalDb } from '../../../../agent/src/journal/db.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { MIGRATIONS } from '../../../../agent/src/journal/migrations.ts';
import { deployCommand, removeDir, tempDir } from './fixtures.ts';

const AT = new Date('2026-01-02T03:04:05.000Z');
const KEY = { commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event: 'BeforeInstall' };

describe('Journal', () => {
  let dir: string;
  let journal: Journal;

  beforeEach(() => {
    dir = tempDir();
    journal = Journal.open(path.join(dir, 'agent.db'));
  });
  afterEach(() => {
    journal.close();
    removeDir(dir);
  });

  function startDeployment(): void {
    journal.recordCommand(deployCommand('c-CMD0001', 'd-DEP0001'), AT);
    journal.startDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', deploymentGroupId: 'dg-GROUP01', archiveDir: '/x' }, AT);
  }

  describe('#open', () => {
    it('opens the file in WAL mode with synchronous=FULL', () => {
      const db = openJournalDb(path.join(dir, 'other.db'));
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      db.close();
    });

    it('sets user_version to the number of migrations and keeps data on reopen', () => {
      journal.saveIdentity({ instanceId: 'i-INST0001', coordinatorUrl: 'http://x', hostname: 'h', tags: { a: 'b' }, registeredAt: AT.toISOString() });
      journal.close();
      journal = Journal.open(path.join(dir, 'agent.db'));
      assert.equal(journal.getIdentity()?.instanceId, 'i-INST0001');
      const db = openSqlite(path.join(dir, 'agent.db'), { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
      db.close();
    });

    it('applies only the new migration steps when the schema grows', () => {
      journal.close();
      const file = path.join(dir, 'agent.db');
      const db = openJournalDb(file, [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER)']);
      assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
      db.prepare('INSERT INTO extra (x) VALUES (1)').run();
      db.close();
      journal = Journal.open(path.join(dir, 'fresh.db'));
    });

    it('refuses a journal newer than this agent', () => {
      journal.close();
      const file = path.join(dir, 'agent.db');
      openJournalDb(file, [...MIGRATIONS, 'SELECT 1']).close();
      assert.throws(() => openJournalDb(file), /newer than this agent knows/);
      journal = Journal.open(path.join(dir, 'fresh.db'));
    });
  });

  describe('#recordCommand', () => {
    it('returns true for a new command and false for a re-delivery', () => {
      const cmd = deployCommand('c-CMD0001', 'd-DEP0001');
      assert.equal(journal.recordCommand(cmd, AT), true);
      assert.equal(journal.recordCommand(cmd, AT), false);
      assert.equal(journal.commandsInState('received').length, 1);
      assert.deepEqual(journal.getCommand('c-CMD0001')?.body, cmd);
    });
  });

  describe('#startEvent / #finishEvent', () => {
    it('writes the event row and an outbox row per transition', () => {
      startDeployment();
      journal.startEvent(KEY, AT);
      journal.finishEvent(KEY, { status: 'Failed', errorCode: 'ScriptFailed', message: 'boom', scriptName: 's.sh', logTail: 'tail' }, AT);
      const [event] = journal.events('d-DEP0001');
      assert.equal(event?.status, 'Failed');
      assert.equal(event?.errorCode, 'ScriptFailed');
      const rows = journal.outbox.pending();
      assert.deepEqual(rows.map((r) => [r.seq, r.lifecycleEvent, r.status]), [
        [1, 'BeforeInstall', 'InProgress'],
        [2, 'BeforeInstall', 'Failed'],
      ]);
      assert.equal(rows[1]?.scriptName, 's.sh');
      assert.equal(rows[1]?.logTail, 'tail');
    });

    it('writes neither the event outcome nor its outbox row when the transaction fails', () => {
      startDeployment();
      journal.startEvent(KEY, AT);
      // An unbindable value makes the last statement of the transaction throw.
      const group = { deploymentGroupId: 'dg-GROUP01', mostRecentDir: {} as unknown as string };
      assert.throws(() => journal.finishEvent(KEY, { status: 'Succeeded' }, AT, group));
      assert.equal(journal.events('d-DEP0001')[0]?.status, 'InProgress');
      assert.equal(journal.outbox.pending().length, 1);
    });

    it('commits group pointers with the event outcome', () => {
      startDeployment();
      journal.startEvent({ ...KEY, event: 'Install' }, AT);
      journal.finishEvent({ ...KEY, event: 'Install' }, { status: 'Succeeded' }, AT, {
        deploymentGroupId: 'dg-GROUP01',
        lastSuccessful: { dir: '/root/dg/d', deploymentId: 'd-DEP0001' },
      });
      assert.deepEqual(journal.getGroupRevisions('dg-GROUP01'), {
        deploymentGroupId: 'dg-GROUP01',
        lastSuccessfulDir: '/root/dg/d',
        lastSuccessfulDeploymentId: 'd-DEP0001',
      });
    });

    it('tells outbox subscribers after each commit', () => {
      startDeployment();
      let calls = 0;
      journal.outbox.subscribe(() => calls++);
      journal.startEvent(KEY, AT);
      journal.finishEvent(KEY, { status: 'Succeeded' }, AT);
      assert.equal(calls, 2);
    });

    it('trims a log tail to the wire limit keeping its end', () => {
      startDeployment();
      journal.startEvent(KEY, AT);
      journal.finishEvent(KEY, { status: 'Failed', logTail: 'x'.repeat(9000) + 'END' }, AT);
      const tail = journal.outbox.pending()[1]?.logTail ?? '';
      assert.equal(tail.length, 8192);
      assert.ok(tail.endsWith('END'));
    });
  });

  describe('#finishDeployment', () => {
    it('closes the command and appends the host outcome without a lifecycle event', () => {
      startDeployment();
      journal.finishDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', status: 'Failed', errorCode: 'ScriptFailed', message: 'm' }, AT);
      assert.equal(journal.getCommand('c-CMD0001')?.state, 'done');
      assert.equal(journal.getDeployment('d-DEP0001')?.status, 'Failed');
      const [row] = journal.outbox.pending();
      assert.equal(row?.lifecycleEvent, undefined);
      assert.equal(row?.status, 'Failed');
      assert.equal(row?.errorCode, 'ScriptFailed');
    });
  });

  describe('#adoptCommand', () => {
    it('reports a running deployment again under a second command, and its next events and outcome under it too', () => {
      startDeployment();
      const key = { commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', event: 'ApplicationStop' };
      journal.startEvent(key, AT);
      journal.finishEvent(key, { status: 'Succeeded' }, AT);
      journal.startEvent({ ...key, event: 'DownloadBundle' }, AT);
      const before = journal.outbox.lastSeq();
      journal.recordCommand(deployCommand('c-SECOND001', 'd-DEP0001'), AT);
      assert.equal(journal.adoptCommand('c-SECOND001', 'd-DEP0001', AT), false, 'still running');
      assert.deepEqual(
        journal.outbox.pending(before).map((e) => [e.commandId, e.lifecycleEvent, e.status]),
        [
          ['c-SECOND001', 'ApplicationStop', 'Succeeded'],
          ['c-SECOND001', 'DownloadBundle', 'InProgress'],
        ],
      );
      assert.equal(journal.getCommand('c-SECOND001')?.state, 'running');
      assert.equal(journal.runningDeployments()[0]?.commandId, 'c-SECOND001', 'a restarted agent resumes it under the new command');
      // The run in hand still names the first command: what it journals is reported under the second.
      const after = journal.outbox.lastSeq();
      journal.finishEvent({ ...key, event: 'DownloadBundle' }, { status: 'Failed', errorCode: 'ScriptFailed' }, AT);
      journal.finishDeployment({ commandId: 'c-CMD0001', deploymentId: 'd-DEP0001', status: 'Failed', errorCode: 'ScriptFailed' }, AT);
      assert.deepEqual(
        journal.outbox.pending(after).map((e) => [e.commandId, e.lifecycleEvent, e.status]),
        [
          ['c-SECOND001', 'DownloadBundle', 'Failed'],
          ['c-SECOND001', undefined, 'Failed'],
        ],
      );
      assert.equal(journal.getCommand('c-CMD0001')?.state, 'done');
      assert.equal(journal.getCommand('c-SECOND001')?.state, 'done');
    });

    it('adopts nothing for an unknown deployment or the command it already has', () => {
      startDeployment();
      const before = journal.outbox.lastSeq();
      assert.equal(journal.adoptCommand('c-CMD0001', 'd-DEP0001', AT), undefined);
      assert.equal(journal.adoptCommand('c-SECOND001', 'd-UNKNOWN01', AT), undefined);
      assert.equal(journal.outbox.lastSeq(), before);
    });
  });

  describe('outbox', () => {
    it('returns rows after a seq in order and no longer returns rows through an acked seq as pending', () => {
      startDeployment();
      for (const event of ['A', 'B', 'C']) journal.startEvent({ ...KEY, event }, AT);
      assert.deepEqual(journal.outbox.pending(1).map((r) => r.seq), [2, 3]);
      assert.equal(journal.outbox.ackThrough(2), 2);
      assert.deepEqual(journal.outbox.pending().map((r) => r.seq), [3]);
    });

    it('never reuses a seq after every row was acked, even across reopen', () => {
      startDeployment();
      journal.startEvent(KEY, AT);
      journal.startEvent({ ...KEY, event: 'Install' }, AT);
      journal.outbox.ackThrough(2);
      journal.close();
      journal = Journal.open(path.join(dir, 'agent.db'));
      journal.startEvent({ ...KEY, event: 'AfterInstall' }, AT);
      assert.deepEqual(journal.outbox.pending().map((r) => r.seq), [3]);
      assert.equal(journal.outbox.lastSeq(), 3);
    });
  });
});
