/**
 * `deckhand tokens create [--tag k=v ...] [--ttl 1h] [--max-uses N | --multi-use]`.
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
  subcommand,
} from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { linuxInstallLine, windowsInstallLine } from '../format/install-line.ts';
import { certificateSha256 } from '../../../common/src/tls-trust.ts';

const USAGE = `Usage: deckhand tokens create [--tag k=v ...] [--ttl 1h|30m|3600s] [--max-uses N | --multi-use] [--install-line]

Creates a registration token for hosts (deckhand-agent register --token ...) and prints it.
The secret is shown only this once.

Options:
  --tag k=v       tag every host registering with this token receives, repeatable
  --ttl D         lifetime: 30m, 1h, 3600s, 7d (default 1h)
  --max-uses N    how many hosts may register with it (default 1)
  --multi-use     no limit on the number of hosts
  --install-line  also print the line that installs an agent with it (Linux, then Windows);
                  with a coordinator CA, the line checks the CA's fingerprint before trusting it

${CONNECTION_HELP}`;

type TokenFlags = { tag?: string[]; ttl?: string; 'max-uses'?: string; 'multi-use'?: boolean };

/** The request for the given flags. */
export function tokenRequest(values: TokenFlags): CreateRegistrationTokenRequest {
  if (values['multi-use'] && values['max-uses'] !== undefined) {
    throw new UsageError('--max-uses and --multi-use exclude each other', USAGE);
  }
  const req: CreateRegistrationTokenRequest = { tags: parseKeyValues(values.tag, '--tag', USAGE) };
  if (values.ttl !== undefined) req.ttlSeconds = parseDurationSeconds(values.ttl, '--ttl', USAGE);
  if (values['multi-use']) req.maxUses = null;
  else if (values['max-uses'] !== undefined) req.maxUses = parsePositiveInt(values['max-uses'], '--max-uses', USAGE);
  return req;
}

export const tokensCommand: Command = {
  name: 'tokens',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          tag: { type: 'string', multiple: true },
          ttl: { type: 'string' },
          'max-uses': { type: 'string' },
          'multi-use': { type: 'boolean', default: false },
          'install-line': { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const rest = subcommand(positionals, 'create', USAGE);
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
