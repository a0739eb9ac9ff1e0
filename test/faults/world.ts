/**
 * A fault world: one coordinator (restartable), or several sharing a throwaway PostgreSQL
 * (`nodes` > 1: each on a fixed port, with one artifacts folder and one set of signing keys),
 * deployment groups of agent hosts, each agent behind its own {@link FaultProxy} to its home
 * coordinator (and, among several, with the others' URLs to fail over to), and revisions whose
 * hooks record every run in the host's hooks.log. Fault runs happen in it; the world itself
 * injects nothing.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTgz, type BundleFiles } from '../e2e/bundles.ts';
import { REPO_ROOT, waitFor } from '../e2e/cluster.ts';
import { ThrowawayPostgres } from '../support/postgres.ts';
import { lastAppliedSeq, readCoordinator, type CoordDeployment } from './evidence.ts';
import { lastAppliedSeqPg, leaseHolders, readCoordinatorPg } from './evidence-pg.ts';
import { AgentProcess, childEnv, CoordinatorProcess } from './processes.ts';
import type { Rng } from './rng.ts';
import { FaultProxy } from './proxy.ts';
import { revisionTree, type Tree } from './tree.ts';

const execFileP = promisify(execFile);

/** Events with scripts in every fault revision (ApplicationStop runs the previous revision's). */
export const SCRIPTED_EVENTS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;

/** The event whose hook opts in to running again when a crash made its outcome unknowable. */
export const RETRIED_EVENT = 'AfterInstall';

/**
 * Appends `start|end <event> <deployment> <run id>` around a short random sleep. A start without
 * its end means the hook was killed; two starts for one event mean it ran twice. `FAIL_EVENT`
 * (in the bundle's fail-event file) makes that event's hook exit 3 after its end line.
 */
const HOOK = `#!/bin/bash
run="$$-$RANDOM$RANDOM"
log="$DECKHAND_ROOT/hooks.log"
echo "start $LIFECYCLE_EVENT $DEPLOYMENT_ID $run" >> "$log"
sleep "0.$(( RANDOM % 5 + 1 ))"
echo "end $LIFECYCLE_EVENT $DEPLOYMENT_ID $run" >> "$log"
if [ "$(cat "$(dirname "$0")/fail-event" 2>/dev/null)" = "$LIFECYCLE_EVENT" ]; then exit 3; fi
exit 0
`;

function appspecYaml(): string {
  const lines = ['version: 0.0', 'os: linux', 'files:', '  - source: site', '    destination: /srv/app', 'hooks:'];
  for (const event of SCRIPTED_EVENTS) {
    lines.push(`  ${event}:`, '    - location: scripts/hook.sh', '      timeout: 60');
    if (event === RETRIED_EVENT) lines.push('      retryOnRestart: true');
  }
  return lines.join('\n') + '\n';
}

/** Files of the many-files revision: its Install takes long enough for kills to land inside it. */
export const MANY_FILES = 4000;

/** `count` small files in folders of 100 (path under site/ → content), each naming `marker`. */
export function manyFiles(marker: string, count = MANY_FILES): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`many/d${String(Math.floor(i / 100)).padStart(3, '0')}/f${String(i).padStart(5, '0')}.txt`] = `${marker} file ${i}\n`;
  return files;
}

/** A revision uploaded for the fault runs. */
export interface Revision {
  revisionId: string;
  /** Content of site/version.txt, i.e. of /srv/app/version.txt once installed. */
  marker: string;
  /** Event whose hook fails, if any. */
  failEvent?: string;
  /** Every file it installs under /srv/app. */
  tree: Tree;
}

/** One host of a group. */
export interface Host {
  agent: AgentProcess;
  proxy: FaultProxy;
  name: string;
}

/** A deployment group and its hosts. */
export interface Group {
  name: string;
  config: string;
  hosts: Host[];
}

const APP = 'faults';

/** A lease the coordinators renew this often is taken over by another within about as long. */
export const FAULT_LEASE_MS = 3000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Everything a fault run works with. */
export class World {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'dh-faults-'));
  readonly token = 'dh_faults_admin_token_0123456789abcdef';
  /** One coordinator, or several sharing the store (created by start()). */
  readonly coordinators: CoordinatorProcess[] = [];
  readonly groups: Group[] = [];
  private postgres: ThrowawayPostgres | undefined;
  private storeUrl: string | undefined;
  readonly revisions: Revision[] = [];
  private hostCount = 0;
  /** Serializes coordinator restarts with the calls that must not straddle one (creating a deployment). */
  private lock: Promise<unknown> = Promise.resolve();

  /** `nodes` > 1: that many coordinators on one PostgreSQL store. */
  constructor(readonly nodes = 1) {
    if (nodes === 1) this.coordinators.push(new CoordinatorProcess(path.join(this.dir, 'coordinator'), this.token));
  }

  /** The first coordinator (the only one, alone on SQLite). */
  get coordinator(): CoordinatorProcess {
    return this.coordinators[0]!;
  }

  /** A coordinator that is up (the API of any of them will do). */
  get url(): string {
    const live = this.coordinators.find((c) => c.proc?.running === true) ?? this.coordinator;
    return `http://127.0.0.1:${live.port}`;
  }

  /** Starts the coordinator(s) and creates the application. */
  async start(): Promise<void> {
    if (this.nodes > 1) await this.startCluster();
    else await this.coordinator.start();
    await this.apiOk('POST', '/v1/applications', { name: APP });
  }

  /**
   * Several coordinators on one throwaway PostgreSQL: the first makes the signing keys, which
   * the others get a copy of (agents trust the keys they registered with, whichever coordinator
   * they talk to); bundles live in one shared folder.
   */
  private async startCluster(): Promise<void> {
    this.postgres = await ThrowawayPostgres.start();
    this.storeUrl = this.postgres.url(await this.postgres.createDatabase());
    const artifacts = path.join(this.dir, 'artifacts');
    for (let i = 1; i <= this.nodes; i++) {
      const args = ['--store', this.storeUrl, '--artifacts-dir', artifacts, '--node-name', `node-${i}`, '--lease-ms', String(FAULT_LEASE_MS)];
      this.coordinators.push(new CoordinatorProcess(path.join(this.dir, `coordinator-${i}`), this.token, { port: await freePort(), args }));
    }
    await this.coordinator.start();
    for (const c of this.coordinators.slice(1)) {
      cpSync(path.join(this.coordinator.dataDir, 'keys'), path.join(c.dataDir, 'keys'), { recursive: true });
      await c.start();
    }
  }

  /** The shared PostgreSQL store's database name (several coordinators). */
  private databaseName(): string {
    if (!this.postgres || !this.storeUrl) throw new Error('the world has no PostgreSQL store');
    return new URL(this.storeUrl).pathname.slice(1);
  }

  /** A backup of the shared PostgreSQL store (pg_dump) taken while the coordinators write to it. */
  backupPgStore(file: string): Promise<void> {
    return this.exclusive(async () => this.postgres!.dump(this.databaseName(), file));
  }

  /** kill -9 of every coordinator, the PostgreSQL store put back from `file` (backupPgStore), every coordinator started again. */
  restorePgStore(file: string): Promise<void> {
    return this.exclusive(async () => {
      for (const c of this.coordinators) await c.kill9();
      await this.postgres!.restore(this.databaseName(), file);
      for (const c of this.coordinators) await c.start();
    });
  }

  /** The deployment as the store holds it. */
  readDeployment(deploymentId: string): Promise<CoordDeployment | undefined> {
    return this.storeUrl ? readCoordinatorPg(this.storeUrl, deploymentId) : Promise.resolve(readCoordinator(this.coordinator.dataDir, deploymentId));
  }

  /** The host's applied-event cursor in the store. */
  appliedSeq(instanceId: string): Promise<number> {
    return this.storeUrl ? lastAppliedSeqPg(this.storeUrl, instanceId) : Promise.resolve(lastAppliedSeq(this.coordinator.dataDir, instanceId));
  }

  /** The last output of every coordinator, for diagnostics. */
  coordinatorOutput(): string {
    return this.coordinators.map((c, i) => `--- coordinator ${i + 1}\n${c.proc?.tail() ?? ''}`).join('\n');
  }

  /**
   * Calls the HTTP API with the admin token; retries while the coordinator is down (it may be
   * restarting after a kill).
   */
  async api<T = any>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.apiOnce<T>(method, urlPath, body);
      } catch (err) {
        if (Date.now() > deadline || method !== 'GET') throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async apiOnce<T>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}` } };
    if (body instanceof Uint8Array) {
      init.body = body;
      (init.headers as Record<string, string>)['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(this.url + urlPath, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Like {@link api}, but throws unless the status is 2xx. */
  async apiOk<T = any>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await this.api<T>(method, urlPath, body);
    if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /**
   * Uploads a revision with the recording hooks; `failEvent` makes that event's hook fail, `site`
   * adds files to install (path under site/ → content).
   */
  async addRevision(marker: string, failEvent?: string, site: Record<string, string | Uint8Array> = {}): Promise<Revision> {
    const files: BundleFiles = {
      'appspec.yml': appspecYaml(),
      'scripts/hook.sh': HOOK,
      'site/version.txt': `${marker}\n`,
    };
    for (const [rel, content] of Object.entries(site)) files[`site/${rel}`] = content;
    if (failEvent !== undefined) files['scripts/fail-event'] = failEvent;
    const body = await this.apiOk<{ revisionId: string }>('POST', `/v1/applications/${APP}/revisions?bundleType=tgz`, await makeTgz(files));
    const revision: Revision = { revisionId: body.revisionId, marker, tree: revisionTree(files), ...(failEvent === undefined ? {} : { failEvent }) };
    this.revisions.push(revision);
    return revision;
  }

  /**
   * Creates a group of `size` hosts, each registered through its own proxy and started; host i
   * installs into `destRoots[i]` and keeps its agent root at `agentRoots[i]` when given (a small
   * file system of the scenario's).
   */
  async addGroup(name: string, config: string, size: number, destRoots: string[] = [], agentRoots: string[] = []): Promise<Group> {
    await this.apiOk('POST', `/v1/applications/${APP}/deployment-groups`, {
      name,
      deploymentConfigName: config,
      tagFilters: [{ key: 'group', value: name, type: 'KEY_AND_VALUE' }],
      agentWaitSeconds: 60,
      eventTimeoutSeconds: 60,
      autoDeployNewInstances: false,
    });
    const group: Group = { name, config, hosts: [] };
    for (let i = 0; i < size; i++) group.hosts.push(await this.addHost({ group: name }, destRoots[i], agentRoots[i]));
    this.groups.push(group);
    for (const host of group.hosts) await this.waitConnected(host);
    return group;
  }

  /** Registers one host through a new proxy and starts its agent. */
  async addHost(tags: Record<string, string>, destRoot?: string, agentRoot?: string): Promise<Host> {
    this.hostCount += 1;
    const name = `host-${this.hostCount}`;
    const root = agentRoot ?? path.join(this.dir, name, 'agent');
    const dest = destRoot ?? path.join(this.dir, name, 'dest');
    mkdirSync(dest, { recursive: true });
    // Hosts are spread over the coordinators; each also knows the others', to fail over to.
    const home = this.coordinators[this.hostCount % this.coordinators.length]!;
    const proxy = new FaultProxy(home.port);
    const proxyUrl = await proxy.start();
    const others = this.coordinators.filter((c) => c !== home).flatMap((c) => ['--coordinator', `http://127.0.0.1:${c.port}`]);
    const token = await this.apiOk<{ token: string }>('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1, allowTagKeys: Object.keys(tags) });
    const tagArgs = Object.entries(tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`]);
    const { stdout } = await execFileP(process.execPath, [
      path.join(REPO_ROOT, 'bin', 'deckhand-agent.js'), 'register', '--coordinator', proxyUrl, ...others, '--token', token.token,
      '--root', root, '--hostname', name, '--json', ...tagArgs,
    ], { env: childEnv(this.token) });
    const { instanceId } = JSON.parse(stdout) as { instanceId: string };
    const agent = new AgentProcess(instanceId, root, dest, this.token);
    agent.start();
    return { agent, proxy, name };
  }

  /** Waits until the coordinator counts the host's agent as connected. */
  async waitConnected(host: Host, ms = 60_000): Promise<void> {
    await waitFor(`${host.name} to connect`, async () => {
      const { body } = await this.api('GET', '/v1/instances');
      return body.instances.some((i: { instanceId: string; connected: boolean }) => i.instanceId === host.agent.instanceId && i.connected)
        ? true
        : undefined;
    }, ms);
  }

  /** Runs `work` while no coordinator restart is under way. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }

  /** kill -9 the coordinator, wait `downMs`, start it again and point every proxy at it. */
  restartCoordinator(downMs: number): Promise<void> {
    return this.exclusive(async () => {
      await this.coordinator.kill9();
      await new Promise((r) => setTimeout(r, downMs));
      const port = await this.coordinator.start();
      for (const host of this.allHosts()) host.proxy.retarget(port);
    });
  }

  /**
   * Among several coordinators: kill -9 one that drives a running deployment (any, when none
   * drives one now), wait `downMs`, start it again on its port. Returns whether it was a driver.
   */
  killDriver(rng: Rng, downMs: number): Promise<boolean> {
    return this.exclusive(async () => {
      const holders = await leaseHolders(this.storeUrl!);
      const pids = new Set(holders.map((h) => h.pid));
      const drivers = this.coordinators.filter((c) => c.proc?.running && pids.has(c.proc.child.pid ?? -1));
      const victim = drivers.length > 0 ? rng.pick(drivers) : rng.pick(this.coordinators.filter((c) => c.proc?.running));
      await victim.kill9();
      await new Promise((r) => setTimeout(r, downMs));
      await victim.start();
      return drivers.length > 0;
    });
  }

  /** Every host of every group. */
  allHosts(): Host[] {
    return this.groups.flatMap((g) => g.hosts);
  }

  /** Creates a deployment of `revision` on `group`; returns its id. */
  deploy(group: Group, revision: Revision): Promise<string> {
    return this.exclusive(async () => {
      const body = await this.apiOk<{ deploymentId: string }>('POST', '/v1/deployments', {
        applicationName: APP,
        deploymentGroupName: group.name,
        revisionId: revision.revisionId,
        fileExistsBehavior: 'OVERWRITE',
      });
      return body.deploymentId;
    });
  }

  /** Stops every process and proxy and removes the world's directory. */
  async stop(keep = false): Promise<void> {
    const hosts = this.allHosts();
    await Promise.all(hosts.map((h) => h.agent.stop()));
    await Promise.all(hosts.map((h) => h.proxy.stop()));
    await Promise.all(this.coordinators.map((c) => c.stop()));
    await this.postgres?.stop();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
