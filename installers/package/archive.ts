/**
 * Packs a staged agent package into its archive (tar.gz for Linux, zip for Windows) and writes
 * the `<archive>.sha256` file in `sha256sum` format, so `sha256sum -c` can check it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';
import yazl from 'yazl';
import { sha256File } from '../../agent/src/bundle/verify.ts';
import type { PackagePlatform } from './platforms.ts';

async function writeTarGz(parent: string, rootName: string, file: string): Promise<void> {
  // portable: no uid/gid/mtime of the build machine in the archive.
  await pipeline(create({ gzip: true, cwd: parent, portable: true }, [rootName]), fs.createWriteStream(file));
}

async function writeZip(parent: string, rootName: string, file: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const entries = (await fsp.readdir(path.join(parent, rootName), { recursive: true })).map(String).sort();
  for (const rel of entries) {
    const full = path.join(parent, rootName, rel);
    if ((await fsp.stat(full)).isFile()) zip.addFile(full, `${rootName}/${rel.split(path.sep).join('/')}`);
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(file));
}

/**
 * Archives `parent/rootName` into `file` and writes `file.sha256`.
 * @returns the archive's sha256 and size
 */
export async function writeArchive(
  platform: PackagePlatform,
  parent: string,
  rootName: string,
  file: string,
): Promise<{ sha256: string; bytes: number }> {
  if (platform.archive === 'zip') await writeZip(parent, rootName, file);
  else await writeTarGz(parent, rootName, file);
  const sha256 = await sha256File(file);
  await fsp.writeFile(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`);
  return { sha256, bytes: (await fsp.stat(file)).size };
}
