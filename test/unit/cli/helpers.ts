/**
 * Test helpers for the CLI: a small HTTP server standing in for the coordinator, a captured
 * CLI context, and deployment views to feed the renderers.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { DeploymentTargetView, DeploymentView, LifecycleEventView } from '../../../protocol/src/api.ts';
import { IN_PLACE_EVENTS } from '../../../protocol/src/lifecycle-events.ts';
import type { CliContext } from '../../../cli/src/context.ts';

/** One request the fake coordinator received. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What a route answers. */
export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
}

/** A fake coordinator on 127.0.0.1:0 answering with `route`. */
export interface FakeApi {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startFakeApi(route: (req: SeenRequest) => Reply | Promise<Reply>): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(seen);
      void Promise.resolve(route(seen)).then((reply) => {
        const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
        res.writeHead(reply.status, { 'content-type': reply.json !== undefined ? 'application/json' : 'text/plain' });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A CLI context whose stdout and stderr are captured as strings. */
export interface Captured {
  ctx: CliContext;
  stdout(): string;
  stderr(): string;
}

export function capture(env: NodeJS.ProcessEnv = {}, now = new Date('2024-05-01T12:00:00Z')): Captured {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err.on('data', (c: Buffer) => (e += c.toString()));
  return {
    ctx: { env, stdout: out, stderr: err, stderrIsTTY: false, now: () => now },
    stdout: () => o,
    stderr: () => e,
  };
}

/** A lifecycle event view. */
export function ev(name: string, status: LifecycleEventView['status'], extra: Partial<LifecycleEventView> = {}): LifecycleEventView {
  return { lifecycleEventName: name, status, ...extra };
}

/** A target whose events have the given statuses, in IN_PLACE_EVENTS order (the rest Pending). */
export function target(
  hostname: string,
  status: DeploymentTargetView['status'],
  statuses: LifecycleEventView['status'][] = [],
): DeploymentTargetView {
  return {
    instanceId: `i-${hostname.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(8, 'X')}`,
    hostname,
    status,
    lifecycleEvents: IN_PLACE_EVENTS.map((name, i) => ev(name, statuses[i] ?? 'Pending')),
  };
}

/** A deployment view with the given status and targets; the overview is computed. */
export function deployment(status: DeploymentView['status'], targets: DeploymentTargetView[]): DeploymentView {
  const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0 };
  for (const t of targets) if (t.status in overview) overview[t.status as keyof typeof overview]++;
  return {
    deploymentId: 'd-TESTDEPLOY1',
    applicationName: 'demo-app',
    deploymentGroupName: 'demo-group',
    revisionId: 'r-TESTREV001',
    deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    status,
    creator: 'admin',
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
    createTime: '2024-05-01T12:00:00.000Z',
    overview,
    targets,
  };
}
