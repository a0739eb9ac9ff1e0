/**
 * Revisions in PostgreSQL (store/revisions.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import type { RevisionSignature } from '../../../../protocol/src/index.ts';
import type { NewRevision, RevisionRow } from '../revisions.ts';
import { toRevision, type RawRevision } from '../rows/catalog.ts';
import type { Sql } from './sql.ts';

const COLUMNS = 'revision_id, application_id, sha256, size, bundle_type, description, created_at, deleted_at, signature, location';

/** Registers a revision and returns it with its new id. */
export async function insertRevision(q: Sql, input: NewRevision): Promise<RevisionRow> {
  const row: RevisionRow = { revisionId: newId('r'), ...input };
  await q.run(
    `INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, description, created_at, location)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    // '' stands for "not known" (an S3 revision registered by its ETag alone), as in SQLite.
    [row.revisionId, row.applicationId, row.sha256 ?? '', row.size, row.bundleType, row.description ?? null, row.createdAt, row.location ? JSON.stringify(row.location) : null],
  );
  return row;
}

/** The revision with this id, if any. */
export async function getRevision(q: Sql, revisionId: string): Promise<RevisionRow | undefined> {
  const raw = await q.one<RawRevision>(`SELECT ${COLUMNS} FROM revisions WHERE revision_id = $1`, [revisionId]);
  return raw && toRevision(raw);
}

/** Stores or replaces the revision's signature. */
export async function setRevisionSignature(q: Sql, revisionId: string, signature: RevisionSignature): Promise<void> {
  await q.run('UPDATE revisions SET signature = $1 WHERE revision_id = $2', [JSON.stringify({ counter: signature.counter, minisig: signature.minisig }), revisionId]);
}

/** Every revision of an application, oldest first (deleted ones marked). */
export async function listRevisions(q: Sql, applicationId: string): Promise<RevisionRow[]> {
  const raws = await q.rows<RawRevision>(`SELECT ${COLUMNS} FROM revisions WHERE application_id = $1 ORDER BY created_at, revision_id`, [applicationId]);
  return raws.map(toRevision);
}
