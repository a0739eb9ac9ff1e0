/**
 * Revisions kept outside the coordinator, as CodeDeploy's `--s3-location` and GitHub/https
 * revisions: `deckhand deploy --s3-location s3://bucket/key[?versionId=V] [--etag E]
 * [--sha256 H]` or `--https-location URL --sha256 H`, registered with the coordinator and then
 * deployed; agents download them themselves and check the sha256 (or, for S3, the ETag).
 */
import type { RegisterExternalRevisionRequest } from '../../protocol/src/api.ts';
import type { BundleType, ExternalRevisionLocation } from '../../protocol/src/schemas.ts';
import { UsageError } from './errors.ts';

/** The flags that name an external revision. */
export const REVISION_SOURCE_OPTIONS = {
  's3-location': { type: 'string' },
  'https-location': { type: 'string' },
  etag: { type: 'string' },
  sha256: { type: 'string' },
  'bundle-type': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
} as const;

/** Their help text. */
export const REVISION_SOURCE_HELP = `  --s3-location s3://BUCKET/KEY[?versionId=V]
                              deploy a bundle kept in S3 instead of --revision; agents download it
                              with the host's AWS credentials and check --sha256 or --etag
  --https-location URL        deploy a bundle from an https URL instead of --revision (needs --sha256)
  --etag E / --sha256 H       what agents check the download against (one is required)
  --bundle-type T             zip, tgz or tar (default: from the key's extension)
  --s3-endpoint URL           an S3-compatible endpoint (path-style), e.g. http://127.0.0.1:9000
  --s3-region R               the bucket's region`;

/** The flags' values as parseArgs gives them. */
export type RevisionSourceValues = { [K in keyof typeof REVISION_SOURCE_OPTIONS]?: string | undefined };

/** The bundle type a file name says: .zip, .tgz/.tar.gz, .tar. */
export function bundleTypeOfName(name: string): BundleType | undefined {
  if (/\.zip$/i.test(name)) return 'zip';
  if (/\.(tgz|tar\.gz)$/i.test(name)) return 'tgz';
  if (/\.tar$/i.test(name)) return 'tar';
  return undefined;
}

/** `s3://bucket/key[?versionId=V]` as a location; with `prefix`, the key may be empty or a prefix (`s3://bucket/dir/`). */
export function parseS3Uri(uri: string, usage: string, flag = '--s3-location', prefix = false): { bucket: string; key: string; versionId?: string } {
  const match = /^s3:\/\/([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!match?.[1] || (!prefix && !match[2])) throw new UsageError(`${flag} must be s3://BUCKET/${prefix ? 'PREFIX/' : 'KEY'}, got ${JSON.stringify(uri)}`, usage);
  const versionId = new URLSearchParams(match[3] ?? '').get('versionId');
  return { bucket: match[1], key: decodeURIComponent(match[2] ?? ''), ...(versionId ? { versionId } : {}) };
}

/** The S3 connection flags, for locations and uploads. */
export function s3Options(values: RevisionSourceValues): { endpoint?: string; region?: string } {
  return { ...(values['s3-endpoint'] ? { endpoint: values['s3-endpoint'] } : {}), ...(values['s3-region'] ? { region: values['s3-region'] } : {}) };
}

function parseBundleType(text: string, usage: string): BundleType {
  if (text === 'zip' || text === 'tgz' || text === 'tar') return text;
  throw new UsageError(`--bundle-type must be zip, tgz or tar, got ${JSON.stringify(text)}`, usage);
}

/** The registration request the flags describe, or undefined when they name no external revision. */
export function externalRevisionRequest(values: RevisionSourceValues, usage: string): RegisterExternalRevisionRequest | undefined {
  const s3 = values['s3-location'];
  const https = values['https-location'];
  if (s3 === undefined && https === undefined) {
    for (const flag of ['etag', 'sha256', 'bundle-type', 's3-endpoint', 's3-region'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with --s3-location or --https-location`, usage);
    }
    return undefined;
  }
  if (s3 !== undefined && https !== undefined) throw new UsageError('give --s3-location or --https-location, not both', usage);
  let location: ExternalRevisionLocation;
  let name: string;
  if (s3 !== undefined) {
    const parsed = parseS3Uri(s3, usage);
    location = { kind: 's3', ...parsed, ...(values.etag ? { etag: values.etag } : {}), ...s3Options(values) };
    name = parsed.key;
  } else {
    if (values.etag !== undefined) throw new UsageError('--etag is for --s3-location; an https revision needs --sha256', usage);
    if (values['s3-endpoint'] !== undefined || values['s3-region'] !== undefined) throw new UsageError('--s3-endpoint and --s3-region go with --s3-location', usage);
    if (!/^https?:\/\//.test(https ?? '')) throw new UsageError(`--https-location must be an https:// URL, got ${JSON.stringify(https)}`, usage);
    location = { kind: 'url', url: https as string };
    name = new URL(https as string).pathname;
  }
  if (values.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(values.sha256)) throw new UsageError('--sha256 must be 64 lowercase hex digits', usage);
  if (values.sha256 === undefined && (location.kind === 'url' || values.etag === undefined)) {
    throw new UsageError(location.kind === 'url' ? '--https-location needs --sha256: agents check the download against it' : '--s3-location needs --sha256 or --etag: agents check the download against it', usage);
  }
  const bundleType = values['bundle-type'] !== undefined ? parseBundleType(values['bundle-type'], usage) : bundleTypeOfName(name);
  if (bundleType === undefined) throw new UsageError(`cannot tell the bundle type of ${JSON.stringify(name)}: give --bundle-type zip, tgz or tar`, usage);
  return { bundleType, location, ...(values.sha256 ? { sha256: values.sha256 } : {}) };
}
