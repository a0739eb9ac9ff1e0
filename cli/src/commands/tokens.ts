/**
 * Registration tokens for hosts: `deckhand tokens create [--tag k=v ...] [--ttl 1h]
 * [--max-uses N | --multi-use]`, `tokens list`, `tokens revoke ID`; and `tokens api ...` for
 * named API tokens (api-tokens.ts).
 */
import { parseArgs } from 'node:util';
import type { CreateRegistrationTokenRequest } from '../../../protocol/src/api.ts';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  parseDurationSeconds,
  parseKeyValues,
  parseOrUsage,
  parsePositiveInt,
  type ConnectionValues,
} from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine, type CliContext } from '../context.ts';
import { formatRegistrationTokens } from '../format/tokens.ts';
import { apiTokensCommand } from './api-tokens.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { linuxInstallLine, windowsInstallLine } from '../format/install-line.ts';
import { certificateSha256 } from '../../../common/src/tls-trust.ts';

const USAGE = `Usage: deckhand tokens create [--tag k=v ...] [--allow-tag-keys K,K] [--ttl 1h|30m|3600s] [--max-uses N | --multi-use] [--install-line]
       deckhand tokens list
       deckhand tokens revoke TOKEN_ID
       deckhand tokens api create|list|revoke ...   (named API tokens: deckhand tokens api --help)

create makes a registration token for hosts (deckhand-agent register --token ...) and prints
it; the secret is shown only this once. list shows registration tokens (never their secrets);
revoke makes one unusable at once (hosts already registered stay registered).

Options:
  --tag k=v       tag every host registering with this token receives, repeatable
  --allow-tag-keys K,K
                  tag keys a host may set itself when it registers (register --tag), repeatable;
                  * allows any key. By default a host gets only the token's tags: tags decide
                  which deployments reach it, so a host cannot tag itself into another group
  --ttl D         lifetime: 30m, 1h, 3600s, 7d (default 1h)
  --max-uses N    how many hosts may register with it (default 1)
  --multi-use     no limit on the number of hosts
  --install-line  also print the line that installs an agent with it (Linux, then Windows);
                  with a coordinator CA, the line checks the CA's fingerprint before trusting it

${CONNECTION_HELP}`;

type TokenFlags = { tag?: string[]; 'allow-tag-keys'?: string[]; ttl?: string; 'max-uses'?: string; 'multi-use'?: boolean };

/** The request for the given flags. */
export function tokenRequest(values: TokenFlags): CreateRegistrationTokenRequest {
  if (values['multi-use'] && values['max-uses'] !== undefined) {
    throw new UsageError('--max-uses and --multi-use exclude each other', USAGE);
  }
  const req: CreateRegistrationTokenRequest = { tags: parseKeyValues(values.tag, '--tag', USAGE) };
  const allow = (values['allow-tag-keys'] ?? []).flatMap((list) => list.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  if (allow.length > 0) req.allowTagKeys = allow;
  if (values.ttl !== undefined) req.ttlSeconds = parseDurationSeconds(values.ttl, '--ttl', USAGE);
  if (values['multi-use']) req.maxUses = null;
  else if (values['max-uses'] !== undefined) req.maxUses = parsePositiveInt(values['max-uses'], '--max-uses', USAGE);
  return req;
}

async function listOrRevoke(sub: 'list' | 'revoke', rest: string[], values: ConnectionValues & { json: boolean }, ctx: CliContext): Promise<number> {
  const client = connect(values, ctx);
  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    const registrationTokens = await client.listRegistrationTokens();
    emit(ctx, values.json, { registrationTokens }, formatRegistrationTokens(registrationTokens, ctx.now()));
    return 0;
  }
  const [id, ...extra] = rest;
  if (id === undefined || extra.length > 0) throw new UsageError('revoke takes exactly one TOKEN_ID (see deckhand tokens list)', USAGE);
  const token = await client.revokeRegistrationToken(id);
  emit(ctx, values.json, token, safe`registration token ${token.tokenId} revoked at ${token.revokedAt ?? ''}`);
  return 0;
}

export const tokensCommand: Command = {
  name: 'tokens',
  usage: USAGE,
  async run(argv, ctx) {
    if (argv[0] === 'api') return apiTokensCommand.run(argv.slice(1), ctx);
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          tag: { type: 'string', multiple: true },
          'allow-tag-keys': { type: 'string', multiple: true },
          ttl: { type: 'string' },
          'max-uses': { type: 'string' },
          'multi-use': { type: 'boolean', default: false },
          'install-line': { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (sub === 'list' || sub === 'revoke') return listOrRevoke(sub, rest, values, ctx);
    if (sub === undefined) throw new UsageError('missing subcommand (expected create, list, revoke or api)', USAGE);
    if (sub !== 'create') throw new UsageError(`unknown subcommand ${sub} (expected create, list, revoke or api)`, USAGE);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    const req = tokenRequest(values);
    const client = connect(values, ctx);
    const token = await client.createRegistrationToken(req);
    if (!values.json) {
      const uses = token.maxUses === null ? 'unlimited uses' : `${token.maxUses} use(s)`;
      writeLine(ctx.stderr, safe`registration token ${token.tokenId}: expires ${token.expiresAt}, ${uses}`);
    }
    if (!values['install-line']) {
      emit(ctx, values.json, token, sanitize(token.token ?? ''));
      return 0;
    }
    // The CA comes over the CLI's own (verified) connection; its fingerprint goes into the line.
    const ca = await client.coordinatorCa();
    const caSha256 = ca === undefined ? undefined : certificateSha256(ca);
    const lines = { linux: linuxInstallLine(client.url, token.token ?? '', caSha256), windows: windowsInstallLine(client.url, token.token ?? '', caSha256) };
    emit(ctx, values.json, { ...token, installLines: lines }, `${lines.linux}\n${lines.windows}`);
    return 0;
  },
};
