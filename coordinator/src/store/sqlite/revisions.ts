/**
 * Revisions in SQLite (store/revisions.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import type { RevisionSignature } from '../../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import type { NewRevision, RevisionRow } from '../revisions.ts';
import { toRevision as toRow, type RawRevision } from '../rows/catalog.ts';

const COLUMNS = 'revision_id, application_id, sha256, size, bundle_type, description, created_at, deleted_at, signature, location';

/** Registers a revision and returns it with its new id. */
export function insertRevision(db: Db, input: NewRevision): RevisionRow {
  const row: RevisionRow = { revisionId: newId('r'), ...input };
  prepared(db,
    `INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, description, created_at, location)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(row.revisionId, row.applicationId, row.sha256 ?? '', row.size, row.bundleType, row.description ?? null, row.createdAt, row.location ? JSON.stringify(row.location) : null);
  return row;
}

/** The revision with this id, if any. */
export function getRevision(db: Db, revisionId: string): RevisionRow | undefined {
  const raw = prepared(db, `SELECT ${COLUMNS} FROM revisions WHERE revision_id = ?`).get(revisionId) as RawRevision | undefined;
  return raw && toRow(raw);
}

/** Every revision of an application, oldest first. */
export function listRevisions(db: Db, applicationId: string): RevisionRow[] {
  const raws = prepared(db, `SELECT ${COLUMNS} FROM revisions WHERE application_id = ? ORDER BY created_at, revision_id`)
    .all(applicationId) as RawRevision[];
  return raws.map(toRow);
}

/** Stores or replaces the revision's signature. */
export function setRevisionSignature(db: Db, revisionId: string, signature: RevisionSignature): void {
  prepared(db, 'UPDATE revisions SET signature = ? WHERE revision_id = ?').run(JSON.stringify({ counter: signature.counter, minisig: signature.minisig }), revisionId);
}
