/**
 * `Expect: 100-continue`: a client about to send a large body (a bundle upload) waits for the
 * server's go-ahead. Node answers 100 Continue on its own before any check runs; this takes that
 * over so the go-ahead is given only once the request is authenticated and authorised (the
 * `onRequest` hooks), and a refused upload is answered 401/403 before a byte of it is sent,
 * instead of the client writing into a closed connection.
 */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Installs the go-ahead after the checks; call after installAuth. */
export function installExpectContinue(app: FastifyInstance): void {
  // The checkContinue listener replaces Node's automatic 100 Continue; the request is then handled as usual.
  (app.server as Server).on('checkContinue', (req, res) => app.server.emit('request', req, res));
  app.addHook('preParsing', async (request, reply, payload) => {
    if (/^100-continue$/i.test(request.headers.expect ?? '') && !reply.raw.headersSent) reply.raw.writeContinue();
    return payload;
  });
}
