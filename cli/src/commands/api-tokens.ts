/**
 * Named API tokens: `deckhand tokens api create --name N --role R [--application A ...]
 * [--group G ...] [--ttl 90d]`, `tokens api list`, `tokens api revoke NAME`. Admin tokens only.
 */
import { parseArgs } from 'node:util';
import type { CreateApiTokenRequest, TokenRoleName } from '../../../protocol/src/access.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { formatApiTokens } from '../format/tokens.ts';

const ROLES: readonly TokenRoleName[] = ['viewer', 'deployer', 'operator', 'admin'];

const USAGE = `Usage: deckhand tokens api create --name NAME --role ROLE [--application A ...] [--group G ...] [--ttl 90d]
       deckhand tokens api list
       deckhand tokens api revoke NAME

Named API tokens for people and CI, each with a role and, optionally, a scope. create prints
the secret once (use it as DECKHAND_TOKEN); list never shows secrets; revoke makes a token
unusable at once (the last admin token cannot be revoked: create another admin first).

Roles:
  viewer    reads everything but secrets
  deployer  also creates, stops, pauses, resumes, approves and rolls back deployments, and
            pushes and signs revisions
  operator  also manages applications, groups, configs, instances and registration tokens
  admin     everything, API tokens included

Options:
  --name NAME        the token's name: it is the actor in the audit log and the creator of
                     its deployments
  --role ROLE        ${ROLES.join(', ')}
  --application A    limit the token to this application, repeatable
  --group G          limit it to this deployment group (of those applications), repeatable
  --ttl D            lifetime: 30m, 12h, 90d (default: no expiry)

${CONNECTION_HELP}`;

type CreateFlags = { name?: string; role?: string; application?: string[]; group?: string[]; ttl?: string };

/** The request for the given flags. */
export function apiTokenRequest(values: CreateFlags): CreateApiTokenRequest {
  const name = required(values.name, '--name', USAGE);
  const role = required(values.role, '--role', USAGE);
  if (!ROLES.includes(role as TokenRoleName)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, USAGE);
  const req: CreateApiTokenRequest = { name, role: role as TokenRoleName };
  if (values.application?.length) req.applications = values.application;
  if (values.group?.length) req.groups = values.group;
  if (values.ttl !== undefined) req.ttlSeconds = parseDurationSeconds(values.ttl, '--ttl', USAGE);
  return req;
}

export const apiTokensCommand: Command = {
  name: 'tokens api',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          name: { type: 'string' },
          role: { type: 'string' },
          application: { type: 'string', multiple: true },
          group: { type: 'string', multiple: true },
          ttl: { type: 'string' },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (sub === 'create') {
      if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
      const token = await connect(values, ctx).createApiToken(apiTokenRequest(values));
      if (!values.json) writeLine(ctx.stderr, safe`API token ${token.name} (${token.role}) created; its secret follows and is not shown again`);
      emit(ctx, values.json, token, sanitize(token.token ?? ''));
      return 0;
    }
    if (sub === 'list') {
      if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
      const apiTokens = await connect(values, ctx).listApiTokens();
      emit(ctx, values.json, { apiTokens }, formatApiTokens(apiTokens, ctx.now()));
      return 0;
    }
    if (sub === 'revoke') {
      if (rest.length !== 1) throw new UsageError('revoke takes exactly one NAME', USAGE);
      const token = await connect(values, ctx).revokeApiToken(rest[0] as string);
      emit(ctx, values.json, token, safe`API token ${token.name} revoked at ${token.revokedAt ?? ''}`);
      return 0;
    }
    throw new UsageError(sub === undefined ? 'missing subcommand (expected create, list or revoke)' : `unknown subcommand ${sub} (expected create, list or revoke)`, USAGE);
  },
};
