/**
 * Tokens: named API tokens with a role and a scope (admin only), and registration tokens for
 * hosts (operators). Secrets are made here, shown once in the creating answer, and stored only
 * as keyed hashes (auth/token-hash.ts).
 */
import type { FastifyInstance } from 'fastify';
import { newSecret } from '../../../../common/src/ids.ts';
import { CreateApiTokenRequest, CreateRegistrationTokenRequest, DeckhandError } from '../../../../protocol/src/index.ts';
import type { Repositories } from '../../store/store.ts';
import { noteAudit } from '../audit-hook.ts';
import { actorOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { FieldError, notFound } from '../errors.ts';
import { IdParams, NameParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { apiTokenView, registrationTokenView } from '../views.ts';

/** Throws naming the first application or group of a scope that does not exist. */
async function assertScopeExists(store: Repositories, applications: string[] | undefined, groups: string[] | undefined): Promise<void> {
  const apps = [];
  for (const name of applications ?? []) {
    const app = await store.applications.getByName(name);
    if (!app) throw new FieldError('VALIDATION_FAILED', 'applications', `applications: no application named ${name}`);
    apps.push(app);
  }
  if (groups === undefined) return;
  const among = apps.length > 0 ? apps : await store.applications.list();
  for (const group of groups) {
    const found = await Promise.all(among.map((app) => store.groups.getByName(app.applicationId, group)));
    if (!found.some(Boolean)) {
      const where = apps.length > 0 ? `application ${apps.map((a) => a.name).join(' or ')}` : 'any application';
      throw new FieldError('VALIDATION_FAILED', 'groups', `groups: no deployment group named ${group} in ${where}`);
    }
  }
}

/** Registers the API-token and registration-token routes. */
export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock, logger } = deps;

  app.post('/v1/api-tokens', async (request, reply) => {
    const body = parseInput(CreateApiTokenRequest, request.body);
    const now = clock.now();
    const secret = newSecret('dh');
    const row = await store.transaction(async (tx) => {
      await assertScopeExists(tx, body.applications, body.groups);
      if (await tx.tokens.findLiveApiTokenByName(body.name)) {
        throw new DeckhandError('CONFLICT', `an API token named ${body.name} already exists (revoke it first to reuse the name)`);
      }
      return tx.tokens.insertApiToken({
        name: body.name,
        role: body.role,
        applications: body.applications ?? null,
        groups: body.groups ?? null,
        hash: deps.tokenHasher.hash(secret),
        createdAt: now.toISOString(),
        createdBy: actorOf(request),
        ...(body.ttlSeconds === undefined ? {} : { expiresAt: new Date(now.getTime() + body.ttlSeconds * 1000).toISOString() }),
      });
    });
    noteAudit(request, { target: row.name });
    logger.info('API token created', { event: 'token.created', name: row.name, role: row.role, by: row.createdBy });
    return reply.code(201).send(apiTokenView(row, secret));
  });

  app.get('/v1/api-tokens', async () => ({ apiTokens: (await store.tokens.listApiTokens()).map((row) => apiTokenView(row)) }));

  app.delete('/v1/api-tokens/:name', async (request) => {
    const { name } = parseInput(NameParams, request.params, 'params');
    const at = clock.now().toISOString();
    const revoked = await store.transaction(async (tx) => {
      const token = await tx.tokens.findLiveApiTokenByName(name);
      if (!token) throw notFound(`live API token ${name}`);
      if (token.role === 'admin') {
        const admins = (await tx.tokens.listApiTokens()).filter((t) => t.role === 'admin' && t.revokedAt === undefined && (t.expiresAt === undefined || t.expiresAt > at));
        if (admins.length <= 1) throw new DeckhandError('CONFLICT', `${name} is the last admin token: create another admin token before revoking it`);
      }
      await tx.tokens.revokeApiToken(token.tokenId, at);
      return { ...token, revokedAt: at };
    });
    logger.info('API token revoked', { event: 'token.revoked', name, by: actorOf(request) });
    return apiTokenView(revoked);
  });

  app.post('/v1/registration-tokens', async (request, reply) => {
    const body = parseInput(CreateRegistrationTokenRequest, request.body ?? {});
    const now = clock.now();
    const secret = newSecret('dhr');
    const row = await store.tokens.insertRegistrationToken({
      hash: deps.tokenHasher.hash(secret),
      expiresAt: new Date(now.getTime() + body.ttlSeconds * 1000).toISOString(),
      maxUses: body.maxUses,
      tags: body.tags,
      allowTagKeys: body.allowTagKeys,
      createdAt: now.toISOString(),
    });
    noteAudit(request, { target: row.tokenId });
    return reply.code(201).send(registrationTokenView(row, secret));
  });

  app.get('/v1/registration-tokens', async () => ({
    registrationTokens: (await store.tokens.listRegistrationTokens()).map((row) => registrationTokenView(row)),
  }));

  app.delete('/v1/registration-tokens/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const at = clock.now().toISOString();
    const row = await store.transaction(async (tx) => {
      const token = (await tx.tokens.listRegistrationTokens()).find((t) => t.tokenId === id);
      if (!token) throw notFound(`registration token ${id}`);
      if (token.revokedAt !== undefined) throw new DeckhandError('CONFLICT', `registration token ${id} was already revoked at ${token.revokedAt}`);
      await tx.tokens.revokeRegistrationToken(id, at);
      return { ...token, revokedAt: at };
    });
    logger.info('registration token revoked', { event: 'token.revoked', tokenId: id, by: actorOf(request) });
    return registrationTokenView(row);
  });
}
