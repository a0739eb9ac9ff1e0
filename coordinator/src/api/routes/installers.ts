/**
 * The coordinator serves its own installers, so one line installs an agent:
 *   GET /install.sh, GET /install.ps1           the scripts, with this coordinator's URL filled in
 *   GET /v1/agent/package?platform=P            the agent package for platform P
 *   GET /v1/agent/package.sha256?platform=P     its checksum line (`sha256sum -c` format)
 * None needs a token: they hold nothing secret, and registering still needs a registration token.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FieldError } from '../errors.ts';
import { REPO_ROOT, type AgentPackageSource } from '../agent-packages.ts';
import { parseInput } from '../validate.ts';

/** The marker in the scripts that is replaced by the coordinator's URL. */
export const URL_MARKER = '@DECKHAND_COORDINATOR_URL@';
/** The marker replaced by the automatic CA's fingerprint (empty without one). */
export const CA_MARKER = '@DECKHAND_CA_SHA256@';

/** Settings of the installer routes. */
export interface InstallerSettings {
  packages: AgentPackageSource;
  /** The URL put in the scripts; default: the scheme and Host of the request. */
  publicUrl?: string;
  /** @default <repo>/installers */
  scriptsDir?: string;
  /** The automatic CA (--tls auto): served at /v1/tls/ca.pem and its fingerprint put in the scripts. */
  ca?: { pem: string; sha256: string };
}

const PackageQuery = z.object({ platform: z.string().regex(/^[a-z0-9]+-[a-z0-9]+$/, 'must look like linux-x64') }).strict();

// Only what a URL's scheme, host and port can hold: the value lands inside a shell script.
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.\-:[\]]+(?:\/[A-Za-z0-9._~\-/]*)?$/;

/** The coordinator URL for a script served in answer to `request`; throws on a hostile Host. */
export function coordinatorUrlFor(request: FastifyRequest, publicUrl: string | undefined): string {
  const url = (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
  if (!SAFE_URL.test(url)) {
    throw new FieldError('VALIDATION_FAILED', publicUrl ? 'DECKHAND_PUBLIC_URL' : 'host', `cannot serve an installer for the URL "${url}"`);
  }
  return url;
}

function scriptRoute(app: FastifyInstance, settings: InstallerSettings, name: string, type: string): void {
  const file = path.join(settings.scriptsDir ?? path.join(REPO_ROOT, 'installers'), name);
  app.get(`/${name}`, async (request, reply) => {
    const url = coordinatorUrlFor(request, settings.publicUrl);
    const text = readFileSync(file, 'utf8').replaceAll(URL_MARKER, url).replaceAll(CA_MARKER, settings.ca?.sha256 ?? '');
    return reply.type(type).header('cache-control', 'no-store').send(text);
  });
}

/** Registers the installer routes. */
export function installerRoutes(app: FastifyInstance, settings: InstallerSettings): void {
  scriptRoute(app, settings, 'install.sh', 'text/x-shellscript; charset=utf-8');
  scriptRoute(app, settings, 'install.ps1', 'text/plain; charset=utf-8');
  app.addHook('onClose', async () => settings.packages.close());

  // Public by nature; a client trusts it only after checking its fingerprint against the pin
  // it got out of band (the coordinator's start line, `tls fingerprint`).
  app.get('/v1/tls/ca.pem', async (_request, reply) => {
    if (!settings.ca) throw new FieldError('NOT_FOUND', 'ca', 'this coordinator serves no CA of its own (it runs with the operator\'s certificate or without TLS)');
    return reply.type('application/x-pem-file').send(settings.ca.pem);
  });

  app.get('/v1/agent/package', async (request, reply) => {
    const { platform } = parseInput(PackageQuery, request.query, 'query');
    const pkg = await settings.packages.get(platform);
    return reply
      .type(pkg.file.endsWith('.zip') ? 'application/zip' : 'application/gzip')
      .header('content-length', String(pkg.bytes))
      .header('content-disposition', `attachment; filename="${pkg.file}"`)
      .header('x-deckhand-sha256', pkg.sha256)
      .header('x-deckhand-agent-version', pkg.version)
      .send(createReadStream(pkg.path));
  });

  app.get('/v1/agent/package.sha256', async (request, reply) => {
    const { platform } = parseInput(PackageQuery, request.query, 'query');
    const pkg = await settings.packages.get(platform);
    return reply.type('text/plain; charset=utf-8').send(`${pkg.sha256}  ${pkg.file}\n`);
  });
}
