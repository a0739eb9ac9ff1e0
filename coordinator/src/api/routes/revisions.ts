/**
 * Revisions: bundle upload (streamed straight into the artifact store), metadata and download.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { describeSignature, MinisignError } from '../../../../common/src/minisign.ts';
import { redactUrl } from '../../../../common/src/redact-url.ts';
import {
  DeckhandError,
  RegisterExternalRevisionRequest,
  revisionTrustedComment,
  type ExternalRevisionLocation,
  RevisionSignatureSchema,
  type RevisionDocumentFields,
  type RevisionSignature,
} from '../../../../protocol/src/index.ts';
import { BundleProblem, inspectBundle } from '../../../../common/src/bundle-inspect.ts';
import type { RevisionRow } from '../../store/revisions.ts';
import type { Repositories } from '../../store/store.ts';
import type { ApiDeps } from '../deps.ts';
import { FieldError, notFound } from '../errors.ts';
import { AppParams, IdParams, UploadRevisionQuery } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { revisionView } from '../views.ts';
import { requireApplication } from './applications.ts';

/** The revision with this id, or a 404 naming it. */
export async function requireRevision(store: Repositories, revisionId: string): Promise<RevisionRow> {
  const revision = await store.revisions.get(revisionId);
  if (!revision) throw notFound(`revision ${revisionId}`);
  return revision;
}

async function applicationNameOf(store: Repositories, revision: RevisionRow): Promise<string> {
  const application = await store.applications.get(revision.applicationId);
  if (!application) throw new DeckhandError('INTERNAL', `revision ${revision.revisionId} has no application`);
  return application.name;
}

function uploadStream(body: unknown, contentLength: string | undefined, maxBytes: number): Readable {
  if (contentLength !== undefined && Number(contentLength) > maxBytes) {
    throw new DeckhandError('BUNDLE_TOO_LARGE', `bundle is larger than the limit of ${maxBytes} bytes`);
  }
  if (!(body instanceof Readable)) {
    throw new FieldError('VALIDATION_FAILED', 'body', 'body: send the bundle bytes as application/octet-stream');
  }
  return body;
}

/**
 * Checks what the coordinator can of an operator's signature: that it is a minisign signature
 * and, when its trusted comment is one `deckhand push --sign` writes, that it names this
 * revision. Whether the key is trusted only agents decide, with keys the coordinator never holds.
 */
function assertSignatureFits(signature: RevisionSignature, fields: Omit<RevisionDocumentFields, 'sha256'> & { sha256: string | undefined }): void {
  let comment: string;
  try {
    comment = describeSignature(signature.minisig).trustedComment;
  } catch (err) {
    if (!(err instanceof MinisignError)) throw err;
    throw new FieldError('VALIDATION_FAILED', 'minisig', `minisig: ${err.message}`);
  }
  // Without a sha256 (an S3 revision known by its ETag) only agents can tell: they sign-check what they download.
  if (fields.sha256 !== undefined && comment.startsWith('deckhand revision of ') && comment !== revisionTrustedComment({ ...fields, sha256: fields.sha256 })) {
    throw new FieldError('VALIDATION_FAILED', 'minisig', `minisig: the signature says "${comment}", but this is the revision of ${fields.application} with sha256 ${fields.sha256}, signed with counter ${fields.counter}`);
  }
}

/** Where an external revision is, for messages (never credentials: locations hold none). */
function describeLocation(location: ExternalRevisionLocation | undefined): string {
  if (location === undefined) return 'no known place';
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : redactUrl(location.url);
}

/** Registers the revision routes. The octet-stream parser is installed by buildApi. */
export function revisionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock, artifacts } = deps;

  app.post('/v1/applications/:app/revisions', async (request, reply) => {
    const params = parseInput(AppParams, request.params, 'params');
    const query = parseInput(UploadRevisionQuery, request.query, 'query');
    const application = await requireApplication(store, params.app);
    const stream = uploadStream(request.body, request.headers['content-length'], artifacts.maxBytes);
    const stored = await artifacts.put(stream, async (file) => {
      try {
        await inspectBundle(file, query.bundleType);
      } catch (err) {
        if (err instanceof BundleProblem) throw new FieldError('VALIDATION_FAILED', 'body', `body: ${err.message}`);
        throw err;
      }
    });
    const row = await store.revisions.insert({
      applicationId: application.applicationId,
      sha256: stored.sha256,
      size: stored.size,
      bundleType: query.bundleType,
      ...(query.description === undefined ? {} : { description: query.description }),
      createdAt: clock.now().toISOString(),
    });
    return reply.code(201).send(revisionView(row, application.name));
  });

  app.get('/v1/revisions/:id', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const revision = await requireRevision(store, id);
    return revisionView(revision, await applicationNameOf(store, revision));
  });

  app.put('/v1/revisions/:id/signature', async (request) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const signature = parseInput(RevisionSignatureSchema, request.body);
    const revision = await requireRevision(store, id);
    const application = await applicationNameOf(store, revision);
    assertSignatureFits(signature, { application, counter: signature.counter, sha256: revision.sha256 });
    await store.revisions.setSignature(id, signature);
    return revisionView({ ...revision, signature }, application);
  });

  app.get('/v1/revisions/:id/content', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const revision = await requireRevision(store, id);
    const principal = request.principal;
    // A host gets only what it was told to install or check: knowing an id is not enough.
    if (principal?.kind === 'agent' && !deps.hub.isPreflighting?.(principal.instanceId, id) && !(await store.targets.wasCommanded(principal.instanceId, id))) {
      throw new DeckhandError('FORBIDDEN', `instance ${principal.instanceId} was sent no command for revision ${id}`);
    }
    const sha256 = revision.sha256;
    if (revision.location !== undefined || sha256 === undefined) throw notFound(`content of revision ${id} on the coordinator (it is kept at ${describeLocation(revision.location)})`);
    if (!artifacts.has(sha256)) throw notFound(`content of revision ${id}`);
    return reply
      .type('application/octet-stream')
      .header('content-length', String(revision.size))
      .header('x-deckhand-sha256', sha256)
      .send(createReadStream(artifacts.path(sha256)));
  });

  app.post('/v1/applications/:app/revisions/external', async (request, reply) => {
    const params = parseInput(AppParams, request.params, 'params');
    const body = parseInput(RegisterExternalRevisionRequest, request.body);
    const application = await requireApplication(store, params.app);
    const row = await store.revisions.insert({
      applicationId: application.applicationId,
      ...(body.sha256 === undefined ? {} : { sha256: body.sha256 }),
      size: body.size ?? 0,
      bundleType: body.bundleType,
      location: body.location,
      ...(body.description === undefined ? {} : { description: body.description }),
      createdAt: clock.now().toISOString(),
    });
    return reply.code(201).send(revisionView(row, application.name));
  });
}
