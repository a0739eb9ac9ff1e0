/**
 * The command line of the backup commands: `deckhand-coordinator backup --data-dir DIR --to FILE`
 * and `deckhand-coordinator restore --from FILE --data-dir DIR`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

/** A backup command. */
export type BackupCommand = { kind: 'backup'; dataDir: string; to: string } | { kind: 'restore'; dataDir: string; from: string };

/** True when `argv` names a backup command. */
export function isBackupCommand(argv: readonly string[]): boolean {
  return argv[0] === 'backup' || argv[0] === 'restore';
}

/** Parses a backup command's arguments (the command name first). Throws UsageError. */
export function parseBackupArgs(argv: readonly string[]): BackupCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      strict: true,
      options: { 'data-dir': { type: 'string' }, to: { type: 'string' }, from: { type: 'string' } },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values } = parsed;
  if (!values['data-dir']) throw new UsageError('--data-dir is required');
  if (argv[0] === 'backup') {
    if (!values.to) throw new UsageError('backup needs --to FILE: where to write the copy');
    if (values.from !== undefined) throw new UsageError('backup takes --to, not --from');
    return { kind: 'backup', dataDir: values['data-dir'], to: values.to };
  }
  if (!values.from) throw new UsageError('restore needs --from FILE: the backup to restore');
  if (values.to !== undefined) throw new UsageError('restore takes --from, not --to');
  return { kind: 'restore', dataDir: values['data-dir'], from: values.from };
}
