/**
 * Signed revisions end to end: an agent given a trusted key (agent.yml trustedKeys) refuses at
 * DownloadBundle, before unpacking anything, a revision that is unsigned or signed by another
 * key, installs one signed by its key, and refuses a signed revision whose counter is below the
 * highest it installed (a downgrade). Keys are made and revisions signed with the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { appspec } from './bundles.ts';

describe('signed revisions end to end (push --sign, trusted keys on the agent)', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let agent: AgentProcess;
  const keys = path.join(cluster.dir, 'keys');

  /** Writes a revision folder whose site says `text`; returns its path. */
  function revisionDir(text: string): string {
    const dir = path.join(cluster.dir, `rev-${text}`);
    mkdirSync(path.join(dir, 'site'), { recursive: true });
    writeFileSync(path.join(dir, 'appspec.yml'), appspec({}));
    writeFileSync(path.join(dir, 'site', 'index.html'), `${text}\n`);
    return dir;
  }

  async function push(text: string, ...signing: string[]): Promise<string> {
    const out = await cluster.cli(['push', revisionDir(text), '--application', 'shop', ...signing]);
    assert.equal(out.code, 0, out.stderr);
    return out.stdout.trim();
  }

  async function deploy(revisionId: string): Promise<any> {
    const created = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'web', revisionId, fileExistsBehavior: 'OVERWRITE' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return cluster.waitForDeployment(created.body.deploymentId as string);
  }

  /** The failed DownloadBundle of a failed deployment's only host. */
  function downloadFailure(view: any): { errorCode: string; message: string } {
    assert.equal(view.status, 'Failed', JSON.stringify(view));
    const event = view.targets[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'DownloadBundle');
    assert.equal(event.status, 'Failed', JSON.stringify(view.targets[0].lifecycleEvents));
    return event.diagnostics;
  }

  /** Whether anything of `deploymentId` was unpacked on the host. */
  function unpacked(deploymentId: string): boolean {
    const found = readdirSync(agent.root, { recursive: true }) as string[];
    return found.some((p) => p.includes(deploymentId) && p.includes('deployment-archive') && !p.endsWith('deployment-archive'));
  }

  before(async () => {
    await cluster.start();
    for (const name of ['release', 'other']) {
      const made = await cluster.cli(['keys', 'generate', name, '--dir', keys]);
      assert.equal(made.code, 0, made.stderr);
    }
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const host = await cluster.registerHost({ role: 'web' });
    const config = path.join(cluster.dir, 'agent.yml');
    const publicKey = readFileSync(path.join(keys, 'release.pub'), 'utf8').split('\n')[1];
    writeFileSync(config, `trustedKeys:\n  - ${publicKey}\n`);
    agent = await cluster.runAgent(host, ['--config', config]);
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('refuses an unsigned revision at DownloadBundle with SignatureMissing, unpacking nothing', async () => {
    const view = await deploy(await push('unsigned'));
    const failure = downloadFailure(view);
    assert.equal(failure.errorCode, 'SignatureMissing');
    assert.match(failure.message, /accepts only signed revisions .* push it with deckhand push --sign/);
    assert.equal(unpacked(view.deploymentId), false);
    assert.equal(existsSync(path.join(agent.destRoot, 'srv/app/index.html')), false);
    const status = await cluster.cli(['status', view.deploymentId]);
    assert.match(status.stdout, /SignatureMissing/);
  });

  it('refuses a revision signed by a key it does not trust with SignatureInvalid', async () => {
    const view = await deploy(await push('other-key', '--sign', path.join(keys, 'other.key'), '--counter', '100'));
    const failure = downloadFailure(view);
    assert.equal(failure.errorCode, 'SignatureInvalid');
    assert.match(failure.message, /is by key [0-9A-F]{16}, which is not trusted here/);
    assert.equal(unpacked(view.deploymentId), false);
  });

  it('deploys a revision signed by its trusted key', async () => {
    const revisionId = await push('signed', '--sign', path.join(keys, 'release.key'), '--counter', '100');
    const { body } = await cluster.api('GET', `/v1/revisions/${revisionId}`);
    assert.equal(body.signature.counter, 100);
    const view = await deploy(revisionId);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.equal(readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8'), 'signed\n');
    assert.equal(unpacked(view.deploymentId), true, 'the check that nothing was unpacked sees an unpacked revision');
  });

  it('refuses a signed revision with a lower counter as RevisionDowngrade, keeping what is installed', async () => {
    const view = await deploy(await push('older', '--sign', path.join(keys, 'release.key'), '--counter', '99'));
    const failure = downloadFailure(view);
    assert.equal(failure.errorCode, 'RevisionDowngrade');
    assert.match(failure.message, /signed with counter 99, below 100, the highest this host installed/);
    assert.equal(readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8'), 'signed\n');
  });

  it('refuses a malformed signature at the coordinator, naming it, and keeps the revision as it was', async () => {
    const revisionId = await push('to-sign');
    const res = await cluster.api('PUT', `/v1/revisions/${revisionId}/signature`, { counter: 5, minisig: 'not a signature' });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /minisig: the signature is not a minisign signature/);
    assert.equal((await cluster.api('GET', `/v1/revisions/${revisionId}`)).body.signature, undefined);
  });
});
