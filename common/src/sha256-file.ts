/**
 * The SHA-256 of a file, read as a stream (bundles can be gigabytes).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** The lowercase hex SHA-256 of `file`. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
