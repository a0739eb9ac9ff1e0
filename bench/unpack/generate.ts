/**
 * A deterministic test tree for unpack benchmarks: `files` files in 100 folders, sizes and
 * contents from a fixed-seed PRNG, each 4 KB block either random (incompressible) or repeated
 * text (compressible), packed as tgz by GNU tar and as zip by Info-ZIP `zip`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const BLOCK = 4096;
const TEXT = Buffer.from('Deckhand benchmark line: the quick brown fox jumps over the lazy dog 0123456789.\n'.repeat(64)).subarray(0, BLOCK);

/** xorshift32: fast, deterministic, good enough for filler bytes. */
class Prng {
  constructor(private state: number) {}

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  fill(buf: Buffer): void {
    const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.next();
  }
}

/** Options of {@link generateTree}. */
export interface TreeOptions {
  files: number;
  /** Uncompressed total, approximately. */
  totalBytes: number;
  /** Share of 4 KB blocks that are random, 0..1. */
  randomShare: number;
}

function fileContent(rng: Prng, size: number, randomShare: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let off = 0; off < size; off += BLOCK) {
    const block = buf.subarray(off, Math.min(size, off + BLOCK));
    if (rng.next() / 2 ** 32 < randomShare) rng.fill(block);
    else TEXT.copy(block, 0, 0, block.length);
  }
  return buf;
}

/** Writes the tree under `dir`; returns the bytes written. */
export function generateTree(dir: string, opts: TreeOptions): number {
  const rng = new Prng(0x2545f491);
  const mean = opts.totalBytes / opts.files;
  let written = 0;
  for (let i = 0; i < opts.files; i++) {
    const folder = path.join(dir, `d${String(i % 100).padStart(2, '0')}`);
    if (i < 100) mkdirSync(folder, { recursive: true });
    // Sizes spread from 0.1× to 1.9× the mean.
    const size = Math.floor(mean * (0.1 + 1.8 * (rng.next() / 2 ** 32)));
    writeFileSync(path.join(folder, `f${i}.dat`), fileContent(rng, size, opts.randomShare));
    written += size;
  }
  return written;
}

/** Packs `dir`'s contents into `tgz` with GNU tar and gzip. */
export async function packTgz(dir: string, tgz: string): Promise<void> {
  await execFileP('tar', ['-czf', tgz, '-C', dir, '.']);
}

/** Packs `dir`'s contents into `zip` with Info-ZIP `zip` (deflate). */
export async function packZip(dir: string, zip: string): Promise<void> {
  await execFileP('zip', ['-q', '-r', zip, '.'], { cwd: dir });
}
