/**
 * `deckhand push --sign KEY`: the operator's signature of a revision, made on the operator's
 * machine over the sha256 of the bytes it packed (never the coordinator's word for it), the
 * application and a counter that only goes up.
 */
import { readFile } from 'node:fs/promises';
import { MinisignError, parseSecretKey, signMessage, type MinisignSecretKey } from '../../common/src/minisign.ts';
import { revisionDocument, revisionTrustedComment, type RevisionDocumentFields, type RevisionSignature } from '../../protocol/src/index.ts';
import { CliError } from './errors.ts';

/** Reads a secret key file (deckhand keys generate, or an unencrypted minisign key), naming what is wrong. */
export async function loadSigningKey(file: string): Promise<MinisignSecretKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`--sign ${file} cannot be read: ${(err as Error).message}`, { exitCode: 2, cause: err });
  }
  try {
    return parseSecretKey(text, `--sign ${file}`);
  } catch (err) {
    if (err instanceof MinisignError) throw new CliError(err.message, { exitCode: 2, cause: err });
    throw err;
  }
}

/** The default counter: the current time in seconds, which goes up from any machine with a sane clock. */
export function defaultCounter(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

/** Signs the revision document of `fields`. */
export function signRevision(key: MinisignSecretKey, fields: RevisionDocumentFields): RevisionSignature {
  const minisig = signMessage(Buffer.from(revisionDocument(fields)), key, revisionTrustedComment(fields));
  return { counter: fields.counter, minisig };
}
