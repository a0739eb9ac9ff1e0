#!/usr/bin/env node
/**
 * Run by `npm test` before the tests: on a Debian or Ubuntu machine, as root, installs from the
 * distribution's packages every system tool the tests use and that is missing. Anywhere else
 * (not root, no apt-get, no network) it only says what is missing and lets the run go on: the
 * tests that need a missing tool are pending, each naming the package.
 *
 * Plain JavaScript, no dependencies: it runs before anything is compiled.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** [how to find it, the Debian package, what needs it]. */
const TOOLS = [
  ['setfacl', 'acl', 'appspec permissions with acls'],
  ['shellcheck', 'shellcheck', 'the installer scripts lint'],
  ['systemd-analyze', 'systemd', 'the unit files check'],
  ['setpriv', 'util-linux', 'hooks run as another user'],
  ['useradd', 'passwd', 'hooks run as another user'],
  ['initdb', 'postgresql', 'the PostgreSQL store'],
  ['prometheus', 'prometheus', '/metrics scraped for real and Prometheus health checks'],
  ['prometheus-alertmanager', 'prometheus-alertmanager', 'alarms from Alertmanager'],
  ['haproxy', 'haproxy', 'traffic control through HAProxy'],
  ['nginx', 'nginx', 'traffic control through nginx'],
  ['chromium', 'chromium', 'the dashboard in a real browser'],
  ['minisign', 'minisign', 'revision signatures checked against minisign itself'],
];

/** Folders beyond PATH where Debian puts server binaries. */
function extraDirs() {
  const dirs = ['/usr/sbin', '/sbin'];
  try {
    for (const v of fs.readdirSync('/usr/lib/postgresql')) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // No PostgreSQL installed: nothing to add.
  }
  return dirs;
}

function present(tool) {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extraDirs()];
  return dirs.some((d) => d && fs.existsSync(`${d}/${tool}`));
}

function main() {
  const missing = TOOLS.filter(([tool]) => !present(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const canInstall = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (process.env.DECKHAND_SKIP_SYSTEM_TOOLS === '1' || !canInstall) {
    const why = canInstall ? 'DECKHAND_SKIP_SYSTEM_TOOLS=1' : 'not root on a Debian/Ubuntu machine';
    process.stdout.write(`system tools missing (${why}), their tests will be pending: ${packages.join(' ')}\n`);
    return;
  }
  process.stdout.write(`installing from Debian's packages for the tests: ${packages.join(' ')}\n`);
  // Installing a package must not start its service (nginx on port 80, a system Prometheus):
  // the tests start their own instances on loopback. policy-rc.d is Debian's switch for that.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    try {
      run(['install', '-y', '-q', '--no-install-recommends', ...packages]);
    } catch {
      // The package lists may be stale or absent on a fresh machine: refresh them once and retry.
      run(['update', '-q']);
      run(['install', '-y', '-q', '--no-install-recommends', ...packages]);
    }
  } catch (err) {
    process.stdout.write(`could not install ${packages.join(' ')} (${err.message.split('\n')[0]}); their tests will be pending\n`);
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
}

main();
