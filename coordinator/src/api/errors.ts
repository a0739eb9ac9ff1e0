/**
 * How errors leave the API: always an ApiErrorBody `{error:{code,message,field?}}` with the HTTP
 * status its code implies. Unknown errors become 500 INTERNAL; their stack stays in the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from '../../../common/src/logger.ts';
import { DeckhandError, type ApiErrorBody, type ErrorCode } from '../../../protocol/src/index.ts';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  AUTH_FAILED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BUNDLE_TOO_LARGE: 413,
};

/** The HTTP status of an API error with this code. */
export function httpStatusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** The body of an API error. */
export function errorBody(code: ErrorCode, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** A DeckhandError that names the request field at fault. */
export class FieldError extends DeckhandError {
  readonly field: string;

  constructor(code: ErrorCode, field: string, message: string) {
    super(code, message);
    this.name = 'FieldError';
    this.field = field;
  }
}

/** Shorthand for a 404 naming what is missing. */
export function notFound(what: string): DeckhandError {
  return new DeckhandError('NOT_FOUND', `${what} not found`);
}

function fastifyClientError(err: FastifyError): ApiErrorBody['error'] | undefined {
  const status = err.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (status === 413) return { code: 'BUNDLE_TOO_LARGE', message: err.message };
  return { code: 'VALIDATION_FAILED', message: err.message };
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
  app.setErrorHandler((err: unknown, request, reply) => {
    // A failed upload leaves unread body bytes on the socket; close it rather than keep alive a
    // connection whose next request would start mid-body (and would block a graceful close).
    if (!request.raw.complete) void reply.header('connection', 'close');
    if (err instanceof DeckhandError && httpStatusOf(err.code) < 500) {
      const field = err instanceof FieldError ? err.field : undefined;
      void reply.code(httpStatusOf(err.code)).send(errorBody(err.code, err.message, field));
      return;
    }
    const client = err instanceof Error ? fastifyClientError(err as FastifyError) : undefined;
    if (client) {
      void reply.code((err as FastifyError).statusCode ?? 400).send({ error: client });
      return;
    }
    logger.error('request failed', { method: request.method, url: request.url, err: err instanceof Error ? err.stack : String(err) });
    void reply.code(500).send(errorBody('INTERNAL', 'internal error'));
  });
}
