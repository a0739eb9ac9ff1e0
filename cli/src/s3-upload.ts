/**
 * `deckhand push --s3 s3://BUCKET/PREFIX/`: puts a bundle file into S3 (or an S3-compatible
 * store) with the operator's AWS credentials (the SDK's usual chain: environment, profile,
 * instance role), as `aws deploy push` does, and says where it went.
 */
import { s3Client } from '../../common/src/aws-s3.ts';
import { createReadStream } from 'node:fs';
import { CliError } from './errors.ts';

/** Where a bundle went. */
export interface S3Put {
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
}

/** Puts `file` (`size` bytes) at `bucket`/`key`. */
export async function putBundle(file: string, size: number, target: { bucket: string; key: string; endpoint?: string; region?: string }): Promise<S3Put> {
  // Loaded only here: the SDK is most of a second of start-up every other command does not need.
  const { s3, client } = await s3Client(target);
  try {
    const out = await client.send(new s3.PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: createReadStream(file), ContentLength: size }));
    if (!out.ETag) throw new CliError(`s3://${target.bucket}/${target.key}: the store answered without an ETag`);
    return { bucket: target.bucket, key: target.key, etag: out.ETag.replace(/"/g, ''), ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  } catch (err) {
    if (err instanceof CliError) throw err;
    const e = err as { name?: string; message?: string };
    throw new CliError(`uploading to s3://${target.bucket}/${target.key} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err });
  } finally {
    client.destroy();
  }
}
