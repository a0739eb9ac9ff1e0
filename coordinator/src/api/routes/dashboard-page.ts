/**
 * Serves the dashboard: its page at `/` and at every address the page itself shows (so a link to
 * a deployment, host and event can be shared and reloaded), and its built script and style
 * under `/ui/`. Everything comes from the folder `npm run build` writes (dist/web), read once:
 * no CDN, so the dashboard works on an air-gapped network. The page holds no data (it reads the
 * API once signed in), so these routes are public; a strict Content-Security-Policy allows only
 * the coordinator's own script, style and API.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The addresses that answer the dashboard's page (fastify patterns). */
export const DASHBOARD_PAGES = ['/', '/deployments', '/deployments/:id', '/instances', '/applications', '/applications/:app', '/applications/:app/groups/:group'] as const;

/** The built files served under /ui/, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The route of the built files. */
export const DASHBOARD_ASSET_ROUTE = '/ui/:file';

const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Built {
  page: string;
  assets: Map<string, Buffer>;
}

function load(dir: string): Built | undefined {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return undefined;
  const assets = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) assets.set(name, fs.readFileSync(file));
  }
  return { page: fs.readFileSync(index, 'utf8'), assets };
}

function notBuilt(reply: FastifyReply, dir: string): FastifyReply {
  return reply
    .code(503)
    .header('content-type', 'text/plain; charset=utf-8')
    .send(`The dashboard is not built: ${path.join(dir, 'index.html')} is missing. Run npm run build, then start the coordinator again.\n`);
}

/** Registers the page and asset routes over the built files in `dir`. */
export function dashboardRoutes(app: FastifyInstance, dir: string): void {
  const built = load(dir);
  for (const url of DASHBOARD_PAGES) {
    app.get(url, async (_request, reply) => {
      if (!built) return notBuilt(reply, dir);
      return reply.headers(HEADERS).header('content-type', 'text/html; charset=utf-8').send(built.page);
    });
  }
  app.get(DASHBOARD_ASSET_ROUTE, async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    const body = built?.assets.get(file);
    if (type === undefined || body === undefined) {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no dashboard file ${file} (known: ${Object.keys(ASSETS).join(', ')})` } });
    }
    return reply.headers(HEADERS).header('content-type', type).send(body);
  });
}
