import { AppError, type AppErrorCode, type Issue } from '@adnova/core/errors';
import { UNSTORABLE_TEXT_MESSAGE } from '@adnova/core/shared/schema';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one table from domain error codes to HTTP (STYLE: map codes in exactly one place), used by
 * the API's error handler, the admin's error pages and the 404 handler.
 */
const STATUS: Record<AppErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  CONFLICT: 409,
  // 404 like "no ad to serve" (api.md §5.4 item 9): a throttled viewer simply gets no ad.
  THROTTLED: 404,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
};

/** The HTTP status of a domain error code. */
export function statusOf(code: AppErrorCode): number {
  return STATUS[code];
}

/** The Retry-After of a 503 that has none of its own (API and admin alike), seconds. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
const RETRY_AFTER = String(UNAVAILABLE_RETRY_AFTER_SECONDS);

/** Most validation issues one 400 lists (spec §8 #39); the body says `"truncated": true` beyond. */
export const MAX_ISSUES = 100;

// Connection-level failures of PostgreSQL: class 08 (connection exception), 57P01..57P03 (admin
// or crash shutdown, cannot connect now), 53300 (too many connections), and 57014, a statement
// cancelled by DATABASE_STATEMENT_TIMEOUT_MS.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
// ioredis: a command that exhausted its reconnection retries, or was sent on a closed connection.
const REDIS_UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const UNAVAILABLE_MESSAGES = [
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  // node-postgres: the pool could not hand out a connection in time, or the client died mid-query.
  'timeout exceeded when trying to connect',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
];

/**
 * Whether an error means a backing service (PostgreSQL, Redis, S3) is unreachable or shutting
 * down, rather than a bug: answered 503, never 500 (spec §8 #41).
 */
export function isUnavailable(error: unknown): boolean {
  // Drivers' errors arrive wrapped (Drizzle's "Failed query" keeps the driver's error as `cause`).
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof AppError) return current.code === 'UNAVAILABLE';
    const { code, name, message, cause } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    // Fastify's HTTP_HANDLER_TIMEOUT_MS: the request waited too long, most often on a backing service.
    if (code === 'FST_ERR_HANDLER_TIMEOUT') return true;
    if (typeof code === 'string' && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code)))
      return true;
    if (typeof name === 'string' && REDIS_UNAVAILABLE_NAMES.has(name)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.startsWith(m))) return true;
    current = cause;
  }
  return false;
}

const PART_LOC: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

type AjvIssue = {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
};

/** Turns schema-validation failures into issues whose `loc` and `msg` name the field. */
export function validationIssues(errors: readonly AjvIssue[], part: string | undefined): Issue[] {
  const root = PART_LOC[part ?? 'body'] ?? 'body';
  return errors.slice(0, MAX_ISSUES).map((e) => {
    const loc: (string | number)[] = [root];
    for (const segment of e.instancePath.split('/').slice(1)) {
      const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
      loc.push(/^\d+$/.test(key) ? Number(key) : key);
    }
    if (e.keyword === 'required' && typeof e.params.missingProperty === 'string')
      loc.push(e.params.missingProperty);
    const field =
      loc.length > 1
        ? loc
            .slice(1)
            .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`))
            .join('')
        : root;
    let msg = e.message ?? 'is invalid';
    if (e.keyword === 'format' && e.params.format === 'uuid') msg = 'must be a UUID';
    if (e.keyword === 'required') msg = 'is required';
    if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
      msg = `must be one of ${e.params.allowedValues.join(', ')}`;
    }
    if (e.keyword === 'anyOf') msg = 'has an invalid type or value';
    if (e.keyword === 'storableText') msg = UNSTORABLE_TEXT_MESSAGE;
    if (e.keyword === 'maxItems') msg = `must contain at most ${String(e.params.limit)} elements`;
    return { loc, msg: `${field} ${msg}`, type: `${e.keyword}_error` };
  });
}

/** Fastify's own 4xx errors (bad JSON, body too large, media type…) keep their status. */
function fastifyClientStatus(error: FastifyError): number | undefined {
  const status = error.statusCode;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Body cannot be empty when content-type is set to application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large.',
};

export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof AppError) {
    for (const [name, value] of Object.entries(error.details.headers ?? {})) reply.header(name, value);
    if (error.code === 'UNAVAILABLE' && !reply.hasHeader('Retry-After'))
      reply.header('Retry-After', RETRY_AFTER);
    return reply.code(statusOf(error.code)).send({ detail: error.message });
  }
  if (error.validation) {
    const found = error.validation as AjvIssue[];
    const detail = validationIssues(found, error.validationContext);
    return reply.code(400).send(found.length > MAX_ISSUES ? { detail, truncated: true } : { detail });
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply.code(400).send({ detail: FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY });
  }
  if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
    request.log.warn({ err: error }, 'request not answered within HTTP_HANDLER_TIMEOUT_MS');
    return reply
      .code(503)
      .header('Retry-After', RETRY_AFTER)
      .send({ detail: 'Service Unavailable: the request took too long; retry later.' });
  }
  const clientStatus = fastifyClientStatus(error);
  if (clientStatus !== undefined) {
    return reply.code(clientStatus).send({ detail: FASTIFY_MESSAGES[error.code] ?? error.message });
  }
  if (isUnavailable(error)) {
    request.log.error({ err: error }, 'backing service unavailable');
    return reply.code(503).header('Retry-After', RETRY_AFTER).send({ detail: 'Service Unavailable' });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ detail: 'Internal Server Error' });
}
