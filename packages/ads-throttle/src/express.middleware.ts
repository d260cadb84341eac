import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdsThrottleError } from './errors.ts';
import { type AdsRouteOptIn, createLazyShowAds, resolveOptIn } from './lazy-decision.ts';
import { type AdsDecision, type AdsThrottle, createDecisionMemo, type DecisionMemo } from './throttle.ts';
import type { ViewerInput } from './viewer.ts';

/** The parts of an Express/Connect request the middleware reads. */
export interface ThrottleRequest extends IncomingMessage {
  ip?: string | undefined;
  originalUrl?: string;
  cookies?: Record<string, string | undefined>;
}

/** The parts of an Express/Connect response the middleware writes. */
export interface ThrottleResponse extends ServerResponse {
  locals?: Record<string, unknown>;
}

/** Options of `adsThrottleMiddleware`. */
export interface AdsThrottleMiddlewareOptions<Req extends ThrottleRequest = ThrottleRequest> {
  /** The throttle (or anything with its `decide`, for tests). */
  throttle: Pick<AdsThrottle, 'decide'>;
  /**
   * Identity of the request's viewer, merged over the defaults (headers, socket address, original URL,
   * parsed cookies, and `req.user.id` when present). Return `sessionId` only for validated sessions.
   */
  viewer?: (req: Req) => Partial<ViewerInput>;
  /** Use `req.ip` as the client IP. Turn on when Express's `trust proxy` setting is configured. */
  useRequestIp?: boolean;
  /**
   * Decide before `next()` and put a boolean `res.locals.showAds` (and `adsFor` for extra scopes), for
   * synchronous template engines. Without it `res.locals.showAds` is a lazy thenable for async templates.
   */
  eager?: AdsRouteOptIn;
}

const memos = new WeakMap<IncomingMessage, DecisionMemo>();

function userIdOf(req: IncomingMessage): string | number | undefined {
  const id = (req as unknown as { user?: { id?: unknown } }).user?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * Express/Connect middleware: memoises decisions per request and scope, exposes them through
 * `shouldShowAds(req, { scope })`, `req.shouldShowAds(scope?)` and `res.locals`.
 */
export function adsThrottleMiddleware<Req extends ThrottleRequest = ThrottleRequest>(
  options: AdsThrottleMiddlewareOptions<Req>,
): (req: Req, res: ThrottleResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const viewer: ViewerInput = {
      headers: req.headers,
      remoteAddress: req.socket?.remoteAddress,
      ip: options.useRequestIp ? req.ip : undefined,
      path: req.originalUrl ?? req.url,
      cookies: req.cookies,
      userId: userIdOf(req),
      ...options.viewer?.(req),
    };
    const memo = createDecisionMemo(options.throttle, viewer);
    memos.set(req, memo);
    Object.assign(req, {
      shouldShowAds: (scope?: string | null) => memo.shouldShowAds(scope),
      adsDecision: (scope?: string | null) => memo.decide(scope),
    });
    res.locals ??= {};
    const locals = res.locals;
    locals.shouldShowAds = (scope?: string | null) => memo.shouldShowAds(scope);
    if (options.eager === undefined || options.eager === false) {
      locals.showAds = createLazyShowAds(() => memo);
      next();
      return;
    }
    resolveOptIn(memo, options.eager).then(({ showAds, adsFor }) => {
      locals.showAds = showAds;
      locals.adsFor = adsFor;
      next();
    }, next);
  };
}

function memoOf(req: IncomingMessage): DecisionMemo {
  const memo = memos.get(req);
  if (memo === undefined) throw new AdsThrottleError('ADS_THROTTLE_MIDDLEWARE_MISSING');
  return memo;
}

/**
 * Whether ads may be shown for this request and scope (default: the request path), memoised.
 *
 * @throws AdsThrottleError `ADS_THROTTLE_MIDDLEWARE_MISSING` when `adsThrottleMiddleware` has not run.
 */
export async function shouldShowAds(
  req: IncomingMessage,
  options: { scope?: string | null } = {},
): Promise<boolean> {
  return memoOf(req).shouldShowAds(options.scope);
}

/**
 * The full decision for this request and scope, sharing the memo of `shouldShowAds`.
 *
 * @throws AdsThrottleError `ADS_THROTTLE_MIDDLEWARE_MISSING` when `adsThrottleMiddleware` has not run.
 */
export async function adsDecision(
  req: IncomingMessage,
  options: { scope?: string | null } = {},
): Promise<AdsDecision> {
  return memoOf(req).decide(options.scope);
}
