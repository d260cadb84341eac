/**
 * The closed set of domain error codes. Each maps to exactly one HTTP status in
 * `server/src/http/errors.ts`.
 */
export type AppErrorCode =
  /** Input breaks a validation or business rule (spec §1.3: 400). */
  | 'VALIDATION'
  /** A referenced resource does not exist, or no ad can be served (404). */
  | 'NOT_FOUND'
  /** Well-formed request, existing resources, but the action is not allowed in this state (403). */
  | 'FORBIDDEN'
  /** A uniqueness conflict that is not an upsert (409). */
  | 'CONFLICT'
  /**
   * The ads throttle refused this viewer (over its impression threshold, blocked, or an admin
   * force-block), so `GET /ads` serves nothing and records no impression (404, as
   * docs/api.md's `GET /ads` says). `details.headers` carries `Retry-After` when the refusal ends.
   */
  | 'THROTTLED'
  /**
   * Too many attempts from one client in a window, or more concurrent expensive work than the
   * process takes on (admin login floods, spec §8 #40): 429, `details.headers` carries `Retry-After`.
   */
  | 'RATE_LIMITED'
  /** A backing service (database, cache) is unreachable, or the process sheds load (503). */
  | 'UNAVAILABLE'
  /**
   * A bot-only endpoint (`/telegram/links…`) was called without the shared `BOT_API_TOKEN`, with
   * a wrong one, or while the API has none configured (401).
   */
  | 'UNAUTHORIZED';

/** A validation issue pointing at one field: `loc` is the path, e.g. `['body', 'start_date']`. */
export type Issue = { loc: (string | number)[]; msg: string; type: string };

export type AppErrorDetails = { issues?: Issue[]; headers?: Record<string, string> };

/** The only error the domain throws on purpose. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: AppErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (): AppError => new AppError('NOT_FOUND', 'Not Found');
export const forbidden = (): AppError => new AppError('FORBIDDEN', 'Forbidden');

/** A business-rule violation on one body field: detail is the rule's message, issue names the field. */
export const invalidField = (field: string, msg: string, type = 'value_error'): AppError =>
  new AppError('VALIDATION', msg, { issues: [{ loc: ['body', field], msg, type }] });
