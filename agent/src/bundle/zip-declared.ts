/**
 * The zip-bomb check, run on the central directory before anything of the archive is written:
 * the number of entries, the sum of their declared uncompressed sizes, and how far each entry
 * and the whole archive expand. A 5 MB zip declaring 5 GiB (deflate reaches ~1030:1 on zeros)
 * used to be refused only once 4 GiB had been written; now it writes nothing. The declared
 * sizes can be trusted this far because extraction then holds every entry to its declared size
 * (yauzl's validateEntrySizes, maxOutputLength for whole reads): an entry that inflates past it
 * is refused at that byte.
 *
 * Defends against decompression bombs (CWE-409; node-tar's GHSA-23hp-3jrh-7fpw for the tar
 * side, where maxDecompressionRatio now applies), including overlapping-entry bombs
 * (https://www.bamsoftware.com/hacks/zipbomb/), whose entries share compressed bytes: their
 * declared total against the file's real size gives them away.
 */
import yauzl from 'yauzl';
import { checkArchiveRatio, checkEntryRatio, limitsOf, tooLarge, type ExtractLimits } from './limits.ts';
import { readNextEntry as next, type ZipArchive } from './zip-archive.ts';

/** Central directory only: names are validated (decodeStrings), no entry data is read. */
const OPTIONS = { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, autoClose: false };

/**
 * Reads the central directory of `archive` and throws BUNDLE_TOO_LARGE when it declares too many
 * entries, too many bytes, or an expansion past the ratio limits. Other read errors are thrown
 * as yauzl reports them (the caller words them).
 */
export async function checkDeclaredSizes(archive: ZipArchive, limits: ExtractLimits): Promise<void> {
  const zip = await yauzl.fromRandomAccessReaderPromise(archive.reader(), archive.size, OPTIONS);
  try {
    const { maxEntries, maxBytes } = limitsOf(limits);
    if (zip.entryCount > maxEntries) {
      throw tooLarge(undefined, `the zip declares ${zip.entryCount} entries, more than the limit of ${maxEntries}`);
    }
    let total = 0;
    for (let entry = await next(zip); entry !== undefined; entry = await next(zip)) {
      total += entry.uncompressedSize;
      if (total > maxBytes) {
        throw tooLarge(entry.fileName, `the zip declares ${total} bytes unpacked, more than the limit of ${maxBytes}`);
      }
      checkEntryRatio(entry.fileName, entry.uncompressedSize, entry.compressedSize, limits);
    }
    checkArchiveRatio(total, archive.size, limits);
  } finally {
    zip.close();
  }
}
