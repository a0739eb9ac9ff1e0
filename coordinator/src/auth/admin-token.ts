/**
 * The first way in: an admin API token, from DECKHAND_ADMIN_TOKEN or generated on first start
 * and shown once.
 */
import type { Store } from '../store/store.ts';
import type { TokenHasher } from './token-hash.ts';

/**
 * Makes sure an admin can get in. `envToken` (DECKHAND_ADMIN_TOKEN) is stored if it is not known
 * yet; otherwise, when the store has no API token at all, one is generated and returned so the
 * caller can show it once. Returns undefined when nothing needs showing.
 */
export function ensureAdminToken(
  store: Store,
  hasher: TokenHasher,
  opts: { envToken?: string; createdAt: string; generate: () => string },
): Promise<string | undefined> {
  const admin = (secret: string) => ({ name: 'admin', role: 'admin' as const, applications: null, groups: null, hash: hasher.hash(secret), createdAt: opts.createdAt, createdBy: 'setup' });
  return store.transaction(async (tx) => {
    if (opts.envToken) {
      if (await tx.tokens.findApiToken(hasher.lookup(opts.envToken))) return undefined;
      // A live token named admin (an earlier DECKHAND_ADMIN_TOKEN) is replaced by the new one.
      const previous = await tx.tokens.findLiveApiTokenByName('admin');
      if (previous) await tx.tokens.revokeApiToken(previous.tokenId, opts.createdAt);
      await tx.tokens.insertApiToken(admin(opts.envToken));
      return undefined;
    }
    if ((await tx.tokens.countApiTokens()) > 0) return undefined;
    const secret = opts.generate();
    await tx.tokens.insertApiToken(admin(secret));
    return secret;
  });
}
