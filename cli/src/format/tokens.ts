/**
 * The `deckhand tokens list` and `deckhand tokens api list` tables.
 */
import type { RegistrationTokenView } from '../../../protocol/src/api.ts';
import type { ApiTokenView } from '../../../protocol/src/access.ts';
import { formatTags } from './instances.ts';
import { renderTable } from './table.ts';

function state(now: Date, expiresAt: string | undefined, revokedAt: string | undefined): string {
  if (revokedAt !== undefined) return `revoked ${revokedAt}`;
  if (expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime()) return `expired ${expiresAt}`;
  return expiresAt === undefined ? 'live' : `live until ${expiresAt}`;
}

/** One row per registration token: id, uses, tags, state. */
export function formatRegistrationTokens(tokens: readonly RegistrationTokenView[], now: Date): string {
  if (tokens.length === 0) return 'no registration tokens';
  const rows = tokens.map((t) => [
    t.tokenId,
    `${t.uses}/${t.maxUses === null ? '∞' : t.maxUses}`,
    formatTags(t.tags),
    t.createdAt ?? '',
    state(now, t.expiresAt, t.revokedAt),
  ]);
  return renderTable(['TOKEN', 'USES', 'TAGS', 'CREATED', 'STATE'], rows);
}

/** One row per API token: name, role, scope, who made it, state. */
export function formatApiTokens(tokens: readonly ApiTokenView[], now: Date): string {
  if (tokens.length === 0) return 'no API tokens';
  const rows = tokens.map((t) => [
    t.name,
    t.role,
    t.applications === null ? '*' : t.applications.join(','),
    t.groups === null ? '*' : t.groups.join(','),
    t.createdBy ?? '',
    t.createdAt,
    state(now, t.expiresAt, t.revokedAt),
  ]);
  return renderTable(['NAME', 'ROLE', 'APPLICATIONS', 'GROUPS', 'CREATED BY', 'CREATED', 'STATE'], rows);
}
