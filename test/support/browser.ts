/**
 * A real browser for the dashboard tests and benchmark: Debian's chromium driven by
 * playwright-core (the library alone, no downloaded browser). Where chromium is missing the test
 * is pending, naming the package (test/setup/system-tools.mjs installs it as root on Debian).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { skipForMissing } from './requirements.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Where Debian installs the browser. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The chromium executable, or undefined. */
export function chromiumPath(): string | undefined {
  return CHROMIUM.find((p) => fs.existsSync(p));
}

/** Starts headless chromium from `executablePath`. */
export function startChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: the tests may run as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Starts headless chromium, or marks the running test (suite, in a hook) pending without it. */
export async function launchChromium(ctx: Mocha.Context): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) skipForMissing(ctx, 'chromium (Debian package chromium)');
  return startChromium(executablePath);
}

/** Where screenshots go (ignored by git). */
export function artifactPath(name: string): string {
  const dir = path.join(REPO_ROOT, 'test', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
