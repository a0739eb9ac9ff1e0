/**
 * The AWS S3 client, loaded on first use (it is most of a second of start-up that other paths
 * do not need), and configured the same way wherever Deckhand talks to S3.
 *
 * Bundled by esbuild with code splitting, a dynamically imported CommonJS package becomes a
 * chunk whose only export is `default` (module.exports); run from source, its named exports are
 * there. loadS3 gives the same module either way.
 */
import type { Agent as HttpAgent } from 'node:http';

type S3Module = typeof import('@aws-sdk/client-s3');
type S3ClientInstance = InstanceType<S3Module['S3Client']>;

/** The @aws-sdk/client-s3 module. */
export async function loadS3(): Promise<S3Module> {
  const mod = (await import('@aws-sdk/client-s3')) as S3Module & { default?: S3Module };
  return typeof mod.S3Client === 'function' ? mod : (mod.default as S3Module);
}

/** Where and how to reach S3 or an S3-compatible store. */
export interface S3Target {
  region?: string;
  /** A custom endpoint (MinIO, Ceph, ...): addressed path-style. */
  endpoint?: string;
  /** The proxy agent to go through, if any. */
  agent?: HttpAgent;
}

/** Region used with a custom endpoint when none is configured (S3-compatible stores ignore it). */
const ENDPOINT_DEFAULT_REGION = 'us-east-1';

/**
 * A client for `target`. Checksums are computed and checked only where S3 requires them: the
 * SDK's default sends bodies aws-chunked with a trailing CRC, which several S3-compatible stores
 * keep as the object's bytes; Deckhand checks every bundle by its own sha256 instead.
 */
export async function s3Client(target: S3Target): Promise<{ s3: S3Module; client: S3ClientInstance }> {
  const s3 = await loadS3();
  const client = new s3.S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(target.agent ? { requestHandler: { httpsAgent: target.agent, httpAgent: target.agent } } : {}),
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.endpoint === undefined
      ? {}
      : { endpoint: target.endpoint, forcePathStyle: true, region: target.region ?? process.env['AWS_REGION'] ?? ENDPOINT_DEFAULT_REGION }),
  });
  return { s3, client };
}
