/**
 * Applications in SQLite (store/applications.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { isUniqueViolation } from './columns.ts';
import type { ApplicationRow } from '../applications.ts';
import { toApplication as toRow, type RawApplication } from '../rows/catalog.ts';

const COLUMNS = 'application_id, name, created_at';

/** Creates an application; throws CONFLICT when the name is taken. */
export function insertApplication(db: Db, input: { name: string; createdAt: string }): ApplicationRow {
  const row: ApplicationRow = { applicationId: newId('a'), name: input.name, createdAt: input.createdAt };
  try {
    prepared(db, 'INSERT INTO applications (application_id, name, created_at) VALUES (?, ?, ?)').run(
      row.applicationId,
      row.name,
      row.createdAt,
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `application ${input.name} already exists`, { cause: err });
    throw err;
  }
  return row;
}

/** The application with this id, if any. */
export function getApplication(db: Db, applicationId: string): ApplicationRow | undefined {
  const raw = prepared(db, `SELECT ${COLUMNS} FROM applications WHERE application_id = ?`).get(applicationId) as
    | RawApplication
    | undefined;
  return raw && toRow(raw);
}

/** The application with this name, if any. */
export function getApplicationByName(db: Db, name: string): ApplicationRow | undefined {
  const raw = prepared(db, `SELECT ${COLUMNS} FROM applications WHERE name = ?`).get(name) as RawApplication | undefined;
  return raw && toRow(raw);
}

/** Every application, by name. */
export function listApplications(db: Db): ApplicationRow[] {
  const raws = prepared(db, `SELECT ${COLUMNS} FROM applications ORDER BY name`).all() as RawApplication[];
  return raws.map(toRow);
}
