/**
 * `deckhand push DIR|ARCHIVE --application A [--description D] [--sign KEY [--counter N]]
 * [--s3 s3://BUCKET/PREFIX/]`: a revision folder (packed here) or a prebuilt archive, to the
 * coordinator or to S3.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BundleType } from '../../../protocol/src/schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { pushRevision, type PushOptions, type PushSource } from '../push-revision.ts';
import { bundleTypeOfName, parseS3Uri } from '../revision-source.ts';
import { defaultCounter, loadSigningKey } from '../sign-revision.ts';

const USAGE = `Usage: deckhand push DIR|ARCHIVE --application A [--description D] [--sign KEYFILE [--counter N]]
                     [--bundle-type zip|tgz|tar] [--s3 s3://BUCKET/PREFIX/ [--s3-endpoint URL] [--s3-region R]]

Makes a new revision of application A (created if missing) and prints its id. DIR must hold
appspec.yml or appspec.yaml at its root and is packed here as a tar.gz; an ARCHIVE built
elsewhere (.zip, .tgz, .tar.gz, .tar) is checked for an appspec and sent as it is.

Options:
  --application A   application name (required)
  --description D   free text stored with the revision
  --bundle-type T   the ARCHIVE's type when its name does not say it
  --s3 URI          put the bundle in S3 (s3://BUCKET/KEY, or s3://BUCKET/PREFIX/ to name it
                    APPLICATION-SHA256.EXT there) with this machine's AWS credentials, and register
                    it with the coordinator; agents download it with theirs (like aws deploy push)
  --s3-endpoint URL an S3-compatible endpoint (path-style), e.g. http://127.0.0.1:9000
  --s3-region R     the bucket's region
  --sign KEYFILE    sign the revision (its sha256 as computed here, the application and the
                    counter) with a secret key from deckhand keys generate; agents given the
                    public key (install.sh --trusted-key) install only revisions signed so
  --counter N       the signature's counter (default: the time in seconds); agents refuse a
                    counter below the highest they installed for the application, so a
                    deliberate rollback is pushed and signed anew

${CONNECTION_HELP}`;

function parseCounter(text: string): number {
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--counter expects a whole number, got ${JSON.stringify(text)}`, USAGE);
  return n;
}

/** A folder, or an archive with its type (from --bundle-type or its name). */
function sourceOf(target: string, bundleType: string | undefined): PushSource {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch (err) {
    throw new CliError(`cannot read ${target}: ${(err as Error).message}`, { cause: err });
  }
  if (isDir) {
    if (bundleType !== undefined) throw new UsageError('--bundle-type is for an ARCHIVE; a folder is packed as tgz', USAGE);
    return { kind: 'dir', dir: target };
  }
  const type = bundleType ?? bundleTypeOfName(target);
  if (type !== 'zip' && type !== 'tgz' && type !== 'tar') {
    throw new UsageError(type === undefined ? `cannot tell the bundle type of ${target}: give --bundle-type zip, tgz or tar` : `--bundle-type must be zip, tgz or tar, got ${JSON.stringify(type)}`, USAGE);
  }
  return { kind: 'file', file: target, bundleType: type as BundleType };
}

export const pushCommand: Command = {
  name: 'push',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          application: { type: 'string' },
          description: { type: 'string' },
          sign: { type: 'string' },
          counter: { type: 'string' },
          'bundle-type': { type: 'string' },
          s3: { type: 'string' },
          's3-endpoint': { type: 'string' },
          's3-region': { type: 'string' },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('push takes exactly one DIR or ARCHIVE', USAGE);
    const target = positionals[0] as string;
    const opts: PushOptions = { application: required(values.application, '--application', USAGE) };
    if (values.description !== undefined) opts.description = values.description;
    if (values.counter !== undefined && values.sign === undefined) throw new UsageError('--counter needs --sign', USAGE);
    if (values.s3 === undefined && (values['s3-endpoint'] !== undefined || values['s3-region'] !== undefined)) throw new UsageError('--s3-endpoint and --s3-region go with --s3', USAGE);
    if (values.s3 !== undefined) {
      const { bucket, key } = parseS3Uri(values.s3, USAGE, '--s3', true);
      opts.s3 = { bucket, key, ...(values['s3-endpoint'] ? { endpoint: values['s3-endpoint'] } : {}), ...(values['s3-region'] ? { region: values['s3-region'] } : {}) };
    }
    const source = sourceOf(target, values['bundle-type']);
    if (values.sign !== undefined) {
      // Read the key before packing or uploading anything: a bad key changes nothing.
      const counter = values.counter === undefined ? defaultCounter(ctx.now()) : parseCounter(values.counter);
      opts.sign = { key: await loadSigningKey(values.sign), counter };
    }
    const client = connect(values, ctx);
    const revision = await pushRevision(client, source, opts);
    if (!values.json) {
      const where = revision.location?.kind === 's3' ? ` in s3://${revision.location.bucket}/${revision.location.key}` : '';
      writeLine(ctx.stderr, safe`pushed ${target} as ${revision.revisionId}${where} (${revision.size} bytes, sha256 ${revision.sha256 ?? ''})`);
      if (revision.signature) writeLine(ctx.stderr, safe`signed by key ${revision.signature.keyId}, counter ${revision.signature.counter}`);
    }
    emit(ctx, values.json, revision, sanitize(revision.revisionId));
    return 0;
  },
};
