import type { Duplex } from 'node:stream';
import { AppError } from '@adnova/core/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorHandler } from './errors.ts';

/**
 * Errors Fastify's router raises before any route runs: a path that is not valid percent-encoded
 * UTF-8 (`/ads/%ED%A0%80/click`, `/clients/%zz`), or a path parameter longer than the router takes.
 * Both are malformed path parameters, 400 like any other (spec §1.3, §1.4), answered by the one
 * error handler instead of Fastify's own body, which has no `detail`. (The reply Fastify hands over
 * predates `setErrorHandler`, so `reply.send(error)` would reach Fastify's default handler.) Pass as
 * Fastify's `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const malformed = (message: string) => errorHandler(new AppError('VALIDATION', message), request, reply);
  if (error.code === 'FST_ERR_BAD_URL')
    malformed('Malformed URL: the path is not valid percent-encoded UTF-8.');
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    malformed('Malformed URL: a path parameter is too long.');
  else errorHandler(error, request, reply);
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
};

/** Writes a complete JSON error response straight to the socket, then closes it (as Node does). */
function answerRaw(socket: Duplex, status: number, reason: string, detail: string): void {
  if (socket.writable) {
    const body = JSON.stringify({ detail });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed request line or headers,
 * bogus Content-Length or Transfer-Encoding, headers over the size limit, a request that took too
 * long): the raw answer still carries the standard error body (spec §1.3), then the connection is
 * closed as Node does. Pass as Fastify's `clientErrorHandler` option.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Duplex,
): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  this.log.debug({ err: error }, 'refused by the HTTP parser');
  answerRaw(socket, status, reason, reason);
}

/**
 * The requests Node itself would answer without a body or not at all: an `Expect` other than
 * 100-continue (417), `CONNECT` (the API is no proxy: the socket was dropped silently), and an
 * HTTP/1.1 request without `Host` (RFC 9112 §3.2 requires a 400; pair with the server option
 * `requireHostHeader: false`, so the 400 carries the standard body).
 */
export const httpLayerPlugin = fp(
  async (app: FastifyInstance) => {
    app.server.on('checkExpectation', (_request, response) => {
      const body = JSON.stringify({ detail: 'Only "Expect: 100-continue" is supported.' });
      response.writeHead(417, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      response.end(body);
    });
    app.server.on('connect', (_request, socket: Duplex) => {
      answerRaw(socket, 405, 'Method Not Allowed', 'Method Not Allowed');
    });
    app.addHook('onRequest', async (request) => {
      if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
        throw new AppError('VALIDATION', 'The Host header is required.');
      }
    });
  },
  { name: 'adnova-http-layer' },
);
