import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../support/browser.ts';
import { appspec, makeTgz } from './bundles.ts';
import { Cluster, waitFor, type AgentProcess } from './cluster.ts';

/** Quick hooks, so cells turn green one after another. */
const QUICK_HOOK = '#!/bin/sh\necho "$LIFECYCLE_EVENT on $DECKHAND_INSTANCE_ID"\nsleep 0.3\n';

/** Prints a numbered line every 150 ms until `$DECKHAND_ROOT/<file>` exists. */
function tickingHook(file: string): string {
  return `#!/bin/sh\ni=1\nwhile [ ! -f "$DECKHAND_ROOT/${file}" ] && [ $i -le 2000 ]; do echo "tick $i"; i=$((i+1)); sleep 0.15; done\n`;
}

describe('the dashboard in a real browser (chromium, a real coordinator and agents)', function () {
  this.timeout(180_000);
  const cluster = new Cluster();
  let browser: Browser;
  let agents: AgentProcess[];
  let viewerToken: string;

  async function deploy(files: Record<string, string>): Promise<string> {
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.deploymentId as string;
  }

  async function signIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${cluster.url}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  }

  const count = (page: Page, selector: string): Promise<number> => page.locator(selector).count();

  before(async function () {
    browser = await launchChromium(this);
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    agents = [await cluster.addAgent({ role: 'web' }), await cluster.addAgent({ role: 'web' })];
    const made = await cluster.api('POST', '/v1/api-tokens', { name: 'watcher', role: 'viewer' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    viewerToken = made.body.token as string;
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await browser?.close();
    await cluster.stop();
  });

  it('refuses a wrong token at sign-in, saying why, and signs in with a good one', async function () {
    const page = await browser.newPage();
    await page.goto(`${cluster.url}/deployments`);
    await page.getByLabel('API token').fill('dh_not_a_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown API token' }).waitFor();
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies, [], 'no session cookie after a refused sign-in');
    await page.getByLabel('API token').fill(cluster.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '', 'the page script cannot read the session');
    await page.context().close();
  });

  it('shows a deployment live: cells turn green one by one, and a running hook\'s output grows', async function () {
    const page = await signIn(cluster.token);
    const id = await deploy({
      'appspec.yml': appspec({ BeforeInstall: 'scripts/quick.sh', AfterInstall: 'scripts/quick.sh', ApplicationStart: 'scripts/tick.sh', ValidateService: 'scripts/quick.sh' }),
      'scripts/quick.sh': QUICK_HOOK,
      'scripts/tick.sh': tickingHook('go'),
      'site/index.html': 'v1\n',
    });
    try {
      await watchLive(page, id);
    } finally {
      // Released even when an assertion failed, so that the later tests find no active deployment.
      for (const a of agents) writeFileSync(path.join(a.root, 'go'), '');
      await cluster.waitForDeployment(id, 60_000);
    }
    await page.context().close();
  });

  async function watchLive(page: Page, id: string): Promise<void> {
    await page.goto(`${cluster.url}/deployments/${id}`);
    await page.getByRole('heading', { name: `Deployment ${id}` }).waitFor();
    await page.locator('button.cell').first().waitFor();
    // Every number of green cells the page showed, recorded in the page itself on each change of
    // the grid (sampling from here would miss values on a slow machine).
    await page.evaluate(`(() => {
      const seen = (window.greenCounts = new Set());
      const record = () => seen.add(document.querySelectorAll('button.cell.s-Succeeded').length);
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
    })()`);
    const running = page.locator('button.cell.s-InProgress[data-event="ApplicationStart"]').first();
    await running.waitFor({ timeout: 60_000 });
    const seen = (await page.evaluate('[...window.greenCounts]')) as number[];
    assert.ok(seen.length >= 3, `green cells went through ${seen.sort((a, b) => a - b).join(', ')}`);
    await page.screenshot({ path: artifactPath('dashboard-running.png'), fullPage: true });

    await running.click();
    const log = page.getByRole('log', { name: 'Hook output' });
    await log.filter({ hasText: 'tick 2' }).waitFor();
    const before = ((await log.textContent()) ?? '').split('\n').length;
    await waitFor('new lines in the open output', async () => (((await log.textContent()) ?? '').split('\n').length >= before + 5 ? true : undefined));
    assert.match(page.url(), new RegExp(`/deployments/${id}\\?host=[^&]+&event=ApplicationStart`), 'the address names the host and event');

    // The shared link opens the same cell's output in a new tab.
    const shared = await page.context().newPage();
    await shared.goto(page.url());
    await shared.getByRole('log', { name: 'Hook output' }).filter({ hasText: 'tick' }).waitFor();
    await shared.close();

    for (const a of agents) writeFileSync(path.join(a.root, 'go'), '');
    // The traffic hooks are Skipped (the group has no load balancer): every other cell turns green.
    const green = async (): Promise<true | undefined> => {
      const [succeeded, notSkipped] = [await count(page, 'button.cell.s-Succeeded'), await count(page, 'button.cell:not(.s-Skipped)')];
      return succeeded === notSkipped && succeeded >= 2 * 5 ? true : undefined;
    };
    await waitFor('every cell green', green, 60_000).catch(async (err: unknown) => {
      await page.screenshot({ path: artifactPath('dashboard-not-green.png'), fullPage: true });
      const cells = await page.locator('button.cell').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-event')}:${e.className}`));
      throw new Error(`${String(err)}; cells: ${cells.join(' ')}`);
    });
    await page.locator('dl.facts').getByText('Succeeded').first().waitFor();
    await page.screenshot({ path: artifactPath('dashboard-succeeded.png'), fullPage: true });
  }

  it('is usable by keyboard, at 200% zoom and in the dark scheme', async function () {
    const { body } = await cluster.api('GET', '/v1/deployments?status=Succeeded&limit=1');
    const id = body.deployments[0]?.deploymentId as string;
    // 200% zoom of a 1280×900 window: half the CSS pixels, twice the device pixels.
    const context = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${cluster.url}/deployments/${id}`);
    await page.getByLabel('API token').fill(cluster.token);
    await page.keyboard.press('Enter');
    await page.locator('button.cell').first().waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(Number(overflow) <= 0, `the page itself does not scroll sideways at 200% (only the grid does): ${String(overflow)} px`);
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(13, 17, 23)', 'the dark scheme follows the browser');
    // The grid is one tab stop; arrows move between cells; Enter opens the cell's output.
    await page.locator('button.cell[tabindex="0"]').focus();
    const first = await page.evaluate('document.activeElement.dataset.event');
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate('document.activeElement.dataset.event');
    assert.notEqual(second, first);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate('document.activeElement.dataset.event'), second, 'down keeps the column');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(`^${String(second)} on host-`) }).waitFor();
    assert.match(page.url(), new RegExp(`event=${String(second)}`));
    await page.screenshot({ path: artifactPath('dashboard-zoom-dark.png'), fullPage: true });
    await context.close();
  });

  it('asks the coordinator for the hosts of one status, and a link keeps the filter', async function () {
    const { body } = await cluster.api('GET', '/v1/deployments?status=Succeeded&limit=1');
    const id = body.deployments[0]?.deploymentId as string;
    const page = await signIn(cluster.token);
    await page.goto(`${cluster.url}/deployments/${id}`);
    await page.locator('button.cell').first().waitFor();
    const hosts = await count(page, 'tr[data-host]');
    await page.locator('button.filter.s-Succeeded').click();
    await waitFor('the filter in the address', async () => (page.url().includes('status=Succeeded') ? true : undefined));
    await page.locator('.pager', { hasText: `Hosts 1–${hosts} of ${hosts} (page 1 of 1)` }).waitFor();
    assert.equal(await page.locator('button.filter.s-Succeeded').getAttribute('aria-pressed'), 'true');
    // No host failed: the coordinator answers an empty page for that filter.
    await page.goto(`${cluster.url}/deployments/${id}?status=Failed`);
    await page.locator('.pager', { hasText: 'No host' }).waitFor();
    assert.equal(await count(page, 'tr[data-host]'), 0);
    await page.context().close();
  });

  it('lets a viewer watch without a stop button, and a deployer stop a deployment from the page', async function () {
    const id = await deploy({ 'appspec.yml': appspec({ BeforeInstall: 'scripts/tick.sh' }), 'scripts/tick.sh': tickingHook('never'), 'site/index.html': 'v2\n' });
    const viewer = await signIn(viewerToken);
    await viewer.goto(`${cluster.url}/deployments/${id}`);
    await viewer.locator('button.cell.s-InProgress').first().waitFor({ timeout: 60_000 });
    assert.equal(await viewer.getByRole('button', { name: 'Stop', exact: true }).count(), 0, 'a viewer sees no stop button');
    assert.equal(await viewer.locator('.actions button').count(), 0, 'nor any other action');
    await viewer.screenshot({ path: artifactPath('dashboard-viewer.png'), fullPage: true });

    const admin = await signIn(cluster.token);
    await admin.goto(`${cluster.url}/deployments/${id}`);
    await admin.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: 'Stop?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    await admin.getByRole('status').filter({ hasText: /^Stop: / }).waitFor();
    const view = await cluster.waitForDeployment(id, 60_000);
    assert.equal(view.status, 'Stopped');
    // The viewer's page follows it live.
    await viewer.locator('dl.facts').getByText('Stopped').first().waitFor({ timeout: 30_000 });
    await admin.screenshot({ path: artifactPath('dashboard-stopped.png'), fullPage: true });
    await viewer.context().close();
    await admin.context().close();
  });
});
