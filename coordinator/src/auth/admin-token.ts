/**
 * The first way in: an admin API token, from DECKHAND_ADMIN_TOKEN or generated on first start
 * and shown once.
 */
import type { Store } from '../store/store.ts';

/**
 * Makes sure an admin can get in. `envToken` (DECKHAND_ADMIN_TOKEN) is stored if it is not known
 * yet; otherwise, when the store has no API token at all, one is generated and returned so the
 * caller can show it once. Returns undefined when nothing needs showing.
 */
export function ensureAdminToken(store: Store, opts: { envToken?: string; createdAt: string; generate: () => string }): Promise<string | undefined> {
  return store.transaction(async (tx) => {
    if (opts.envToken) {
      if (!(await tx.tokens.findApiToken(opts.envToken))) await tx.tokens.insertApiToken({ name: 'admin', secret: opts.envToken, createdAt: opts.createdAt });
      return undefined;
    }
    if ((await tx.tokens.countApiTokens()) > 0) return undefined;
    const secret = opts.generate();
    await tx.tokens.insertApiToken({ name: 'admin', secret, createdAt: opts.createdAt });
    return secret;
  });
}
