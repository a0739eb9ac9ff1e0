import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAgentArgs, UsageError } from '../../../../agent/src/config/cli.ts';
import type { LocalCommand } from '../../../../agent/src/config/local-args.ts';

function local(...args: string[]): LocalCommand {
  const cmd = parseAgentArgs(['local', ...args]);
  assert.equal(cmd.kind, 'local');
  return cmd as LocalCommand;
}

describe('deckhand-agent local arguments', () => {
  it("takes codedeploy-local's short options", () => {
    const cmd = local('-l', 'b.tgz', '-t', 'tgz', '-b', 'overwrite', '-g', 'grp-1', '-d', 'Fleet', '-a', 'App', '-e', 'BeforeInstall', '-A', 'spec.yml');
    assert.deepEqual(
      [cmd.bundleLocation, cmd.type, cmd.fileExistsBehavior, cmd.deploymentGroupId, cmd.deploymentGroupName, cmd.applicationName, cmd.events, cmd.appSpecFileName],
      ['b.tgz', 'tgz', 'OVERWRITE', 'grp-1', 'Fleet', 'App', ['BeforeInstall'], 'spec.yml'],
    );
  });

  it("has codedeploy-local's defaults: the current directory, a directory bundle, its group id and name", () => {
    const cmd = local();
    assert.deepEqual(
      [cmd.bundleLocation, cmd.type, cmd.deploymentGroupId, cmd.deploymentGroupName, cmd.fileExistsBehavior, cmd.applicationName],
      [process.cwd(), 'directory', 'default-local-deployment-group', 'LocalFleet', 'DISALLOW', undefined],
    );
  });

  it("keeps state under /var/lib/deckhand-local for root (whose home a runas user cannot enter), else under ~/.deckhand/local", () => {
    const expected = process.getuid?.() === 0 ? '/var/lib/deckhand-local' : path.join(os.homedir(), '.deckhand', 'local');
    assert.equal(local().root, expected);
  });

  it('answers --version and -v', () => {
    assert.deepEqual(parseAgentArgs(['local', '-v']), { kind: 'version' });
    assert.deepEqual(parseAgentArgs(['--version']), { kind: 'version' });
  });

  it('takes the :root_dir: of a CodeDeploy agent configuration file given with -c, unless --root is given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-conf-'));
    try {
      const conf = path.join(dir, 'codedeployagent.yml');
      fs.writeFileSync(conf, '---\n:log_aws_wire: false\n:root_dir: /var/tmp/cd-root\n:max_revisions: 5\n');
      assert.equal(local('-c', conf).root, '/var/tmp/cd-root');
      assert.equal(local('-c', conf, '--root', '/srv/r').root, '/srv/r');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a -c file that does not exist, with codedeploy-local's words", () => {
    assert.throws(() => local('-c', '/no/such/conf.yml'), /configuration file \/no\/such\/conf\.yml does not exist or is not readable/);
  });

  for (const [list, why] of [
    ['before_install', /not an event name/],
    ['BlockTraffic', /load balancer/],
    ['AfterFailure', /runs by itself/],
    ['Install,Install', /twice/],
    [',', /at least one/],
  ] as const) {
    it(`refuses --events "${list}" as a usage error`, () => {
      assert.throws(() => local('-e', list), (err: unknown) => err instanceof UsageError && why.test(err.message));
    });
  }

  it('refuses a deployment group id that is not one folder name', () => {
    assert.throws(() => local('-g', '../etc'), /--deployment-group must be a deployment group id/);
  });

  it('refuses --strict on local, where it would mean nothing', () => {
    assert.throws(() => local('--strict'), /--strict is an option of preflight/);
    assert.equal((parseAgentArgs(['preflight', '--strict']) as LocalCommand).strict, true);
  });

  it('refuses an unknown --yaml-octal-modes', () => {
    assert.throws(() => local('--yaml-octal-modes', 'ruby'), /--yaml-octal-modes must be one of deckhand, codedeploy/);
  });
});
