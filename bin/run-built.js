// Loads a compiled binary from dist/bin, or says how to make it when it is missing.
import fs from 'node:fs';

/** Imports dist/bin/NAME.mjs; exits 2 with the command that builds it when it is absent. */
export async function runBuilt(name) {
  const url = new URL(`../dist/bin/${name}.mjs`, import.meta.url);
  if (!fs.existsSync(url)) {
    process.stderr.write(`${name}: ${url.pathname} is missing: run "npm run build" (npm install runs it) in ${new URL('..', import.meta.url).pathname}\n`);
    process.exit(2);
  }
  await import(url.href);
}
