/**
 * What an operator signs to vouch for a revision, so that agents can check it with keys the
 * coordinator never holds: the bundle's sha256, the application it is for, and a counter that
 * only goes up (anti-rollback: an agent refuses a counter below the highest it installed for the
 * application; a deliberate rollback is signed anew with a higher one). The document is plain
 * text, so `minisign -S -m` signs the same bytes `deckhand push --sign` does.
 */

/** The fields of a revision document. */
export interface RevisionDocumentFields {
  application: string;
  counter: number;
  sha256: string;
}

/** The exact text that is signed. */
export function revisionDocument(fields: RevisionDocumentFields): string {
  return `deckhand-revision-v1\napplication: ${fields.application}\ncounter: ${fields.counter}\nsha256: ${fields.sha256}\n`;
}

/** The trusted comment written into the signature (signed too; for people reading it). */
export function revisionTrustedComment(fields: RevisionDocumentFields): string {
  return `deckhand revision of ${fields.application}, counter ${fields.counter}, sha256 ${fields.sha256}`;
}
