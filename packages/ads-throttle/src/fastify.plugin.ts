import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { type AdsRouteOptIn, createLazyShowAds, type LazyShowAds, resolveOptIn } from './lazy-decision.ts';
import { type AdsDecision, type AdsThrottle, createDecisionMemo, type DecisionMemo } from './throttle.ts';
import type { ViewerInput } from './viewer.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether ads may be shown for `scope` (default: the request path); memoised per request and scope. */
    shouldShowAds(scope?: string | null): Promise<boolean>;
    /** The full decision for `scope`, sharing the same memo. */
    adsDecision(scope?: string | null): Promise<AdsDecision>;
  }
  interface FastifyContextConfig {
    /** Opt the route in: its `preHandler` resolves `reply.locals.showAds` (a boolean) and `adsFor`. */
    adsThrottle?: AdsRouteOptIn;
  }
  interface FastifyReply {
    /** Template data merged by @fastify/view. */
    locals: Record<string, unknown>;
  }
}

/** Options of the Fastify plugin. */
export interface AdsThrottlePluginOptions {
  /** The throttle (or anything with its `decide`, for tests). */
  throttle: Pick<AdsThrottle, 'decide'>;
  /**
   * Identity of the request's viewer, merged over the defaults (headers, socket address, path, and
   * `request.user.id` when present). Return `sessionId` only for sessions your session layer has validated.
   */
  viewer?: (request: FastifyRequest) => Partial<ViewerInput>;
  /** Use `request.ip` as the client IP. Turn on when Fastify's own `trustProxy` is configured. */
  useRequestIp?: boolean;
  /**
   * Put a lazy `showAds` thenable and a `shouldShowAds(scope?)` function on `reply.locals` of every
   * request (default `true`). Nothing is counted until a template awaits one of them.
   */
  lazyLocals?: boolean;
}

function userIdOf(request: FastifyRequest): string | number | undefined {
  const user = (request as unknown as { user?: { id?: unknown } }).user;
  const id = user?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * Registers `request.shouldShowAds(scope?)` / `request.adsDecision(scope?)` (memoised per request and
 * scope), the route opt-in `config: { adsThrottle: true | { scope, scopes } }` that resolves
 * `reply.locals.showAds` and `reply.locals.adsFor` before rendering, and the lazy locals for async templates.
 * Routes that neither opt in nor read ads never count an impression.
 */
export const adsThrottlePlugin = fastifyPlugin<AdsThrottlePluginOptions>(
  async (fastify: FastifyInstance, options: AdsThrottlePluginOptions) => {
    const memos = new WeakMap<FastifyRequest, DecisionMemo>();
    const lazyLocals = options.lazyLocals ?? true;

    const viewerOf = (request: FastifyRequest): ViewerInput => ({
      headers: request.headers,
      remoteAddress: request.socket.remoteAddress,
      ip: options.useRequestIp ? request.ip : undefined,
      path: request.url,
      userId: userIdOf(request),
      ...options.viewer?.(request),
    });

    const memoFor = (request: FastifyRequest): DecisionMemo => {
      let memo = memos.get(request);
      if (memo === undefined) {
        memo = createDecisionMemo(options.throttle, viewerOf(request));
        memos.set(request, memo);
      }
      return memo;
    };

    fastify.decorateRequest('shouldShowAds', function (this: FastifyRequest, scope?: string | null) {
      return memoFor(this).shouldShowAds(scope);
    });
    fastify.decorateRequest('adsDecision', function (this: FastifyRequest, scope?: string | null) {
      return memoFor(this).decide(scope);
    });
    // Decorated as null (not {}) so requests never share one object; the onRequest hook gives each its own.
    if (!fastify.hasReplyDecorator('locals')) {
      fastify.decorateReply('locals', null as unknown as Record<string, unknown>);
    }

    fastify.addHook('onRequest', async (request, reply) => {
      reply.locals ??= {};
      if (!lazyLocals) return;
      const showAds: LazyShowAds = createLazyShowAds(() => memoFor(request));
      reply.locals.showAds = showAds;
      reply.locals.shouldShowAds = (scope?: string | null) => memoFor(request).shouldShowAds(scope);
    });

    fastify.addHook('preHandler', async (request, reply) => {
      const optIn = request.routeOptions.config.adsThrottle;
      if (optIn === undefined || optIn === false) return;
      const { showAds, adsFor } = await resolveOptIn(memoFor(request), optIn);
      reply.locals ??= {};
      reply.locals.showAds = showAds;
      reply.locals.adsFor = adsFor;
    });
  },
  { name: '@adnova/ads-throttle', fastify: '5.x' },
);
