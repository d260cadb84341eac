import { AppError, type AppErrorCode, type Issue } from '@adnova/core/errors';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The one table from domain error codes to HTTP (STYLE: map codes in exactly one place). */
const STATUS: Record<AppErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  CONFLICT: 409,
  // 404 like "no ad to serve" (api.md §5.4 item 9): a throttled viewer simply gets no ad.
  THROTTLED: 404,
  UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
};

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
  return errors.map((e) => {
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
    return { loc, msg: `${field} ${msg}`, type: `${e.keyword}_error` };
  });
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    ([
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      '57P01',
      '57P03',
      '08006',
      '08001',
    ].includes(code) ||
      code.startsWith('08'))
  );
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
    return reply.code(STATUS[error.code]).send({ detail: error.message });
  }
  if (error.validation) {
    return reply
      .code(400)
      .send({ detail: validationIssues(error.validation as AjvIssue[], error.validationContext) });
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply.code(400).send({ detail: FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY });
  }
  const clientStatus = fastifyClientStatus(error);
  if (clientStatus !== undefined) {
    return reply.code(clientStatus).send({ detail: FASTIFY_MESSAGES[error.code] ?? error.message });
  }
  if (isConnectionError(error)) {
    request.log.error({ err: error }, 'backing service unavailable');
    return reply.code(503).send({ detail: 'Service Unavailable' });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ detail: 'Internal Server Error' });
}
