/**
 * The folder of the installed Deckhand package (where package.json, bin/ and cli/demo-bundle
 * are), found by walking up from the running module: the same answer from the TypeScript
 * sources and from the compiled binaries in dist/, whose modules sit at another depth.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'deckhand';

/** The package root above `fromUrl` (a module's `import.meta.url`); throws when there is none. */
export function packageRoot(fromUrl: string): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no ${PACKAGE_NAME} package.json above ${fromUrl}`);
    dir = parent;
  }
}
