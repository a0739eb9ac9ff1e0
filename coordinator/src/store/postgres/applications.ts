/**
 * Applications in PostgreSQL (store/applications.ts has the repository's contract).
 */
import { newId } from '../../../../common/src/ids.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { ApplicationRow } from '../applications.ts';
import { toApplication, type RawApplication } from '../rows/catalog.ts';
import type { Sql } from './sql.ts';

const COLUMNS = 'application_id, name, created_at';

/** Creates an application; throws CONFLICT when the name is taken. */
export async function insertApplication(q: Sql, input: { name: string; createdAt: string }): Promise<ApplicationRow> {
  const row: ApplicationRow = { applicationId: newId('a'), name: input.name, createdAt: input.createdAt };
  // ON CONFLICT instead of catching the error: a failed statement would abort the whole unit of work.
  const n = await q.run('INSERT INTO applications (application_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    row.applicationId,
    row.name,
    row.createdAt,
  ]);
  if (n === 0) throw new DeckhandError('CONFLICT', `application ${input.name} already exists`);
  return row;
}

/** The application with this id, if any. */
export async function getApplication(q: Sql, applicationId: string): Promise<ApplicationRow | undefined> {
  const raw = await q.one<RawApplication>(`SELECT ${COLUMNS} FROM applications WHERE application_id = $1`, [applicationId]);
  return raw && toApplication(raw);
}

/** The application with this name, if any. */
export async function getApplicationByName(q: Sql, name: string): Promise<ApplicationRow | undefined> {
  const raw = await q.one<RawApplication>(`SELECT ${COLUMNS} FROM applications WHERE name = $1`, [name]);
  return raw && toApplication(raw);
}

/** Every application, by name. */
export async function listApplications(q: Sql): Promise<ApplicationRow[]> {
  return (await q.rows<RawApplication>(`SELECT ${COLUMNS} FROM applications ORDER BY name`)).map(toApplication);
}
