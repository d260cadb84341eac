import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import express, { type Express } from 'express';
import { type FastifyInstance, fastify, type RouteSpecificOptions } from 'fastify';
import { adsThrottleMiddleware, shouldShowAds } from '../src/express.middleware.ts';
import { adsThrottlePlugin } from '../src/fastify.plugin.ts';
import type { AdsDecision, AdsThrottle, DecideOptions } from '../src/throttle.ts';
import type { ViewerInput } from '../src/viewer.ts';

// @fastify/view passes per-call options to Eta; `async` makes it use renderAsync so templates can await.
const asyncView: RouteSpecificOptions & { async: boolean } = { async: true };

/** Directory of the example Eta templates. */
export const viewsDir = fileURLToPath(new URL('./views/', import.meta.url));

/**
 * The example Fastify app: @fastify/view + Eta, the throttle plugin, a page that opts in (sync rendering)
 * and a page that reads ads lazily (async rendering).
 */
export async function buildFastifyExample(throttle: Pick<AdsThrottle, 'decide'>): Promise<FastifyInstance> {
  const app = fastify();
  await app.register(fastifyView, { engine: { eta: new Eta() }, templates: viewsDir, production: false });
  await app.register(adsThrottlePlugin, { throttle });

  app.get('/articles/:id', { config: { adsThrottle: { scopes: ['/sidebar/'] } } }, (request, reply) =>
    reply.view('page', { title: `Article ${(request.params as { id: string }).id}` }),
  );
  app.get('/plain', (_request, reply) => reply.view('page', { title: 'No opt-in' }));
  app.get('/lazy', async (request, reply) => {
    const query = request.query as { read?: string; helper?: string };
    const html = await reply.viewAsync(
      'page-async',
      {
        title: 'Lazy',
        readAds: query.read === '1',
        helperScope: query.helper,
      },
      asyncView,
    );
    return reply.type('text/html').send(html);
  });
  app.get('/both', { config: { adsThrottle: true } }, async (request, reply) => {
    const html = await reply.viewAsync(
      'page-async',
      {
        title: 'Both',
        readAds: true,
        helperScope: (request.query as { helper?: string }).helper,
      },
      asyncView,
    );
    return reply.type('text/html').send(html);
  });
  app.get('/memo', async (request) => {
    const a = await request.shouldShowAds('/articles/');
    const b = await request.shouldShowAds('/articles/');
    const c = await request.shouldShowAds('/a/');
    const d = await request.adsDecision('/b/');
    return { a, b, c, d: d.show };
  });
  return app;
}

/**
 * A deliberately tiny synchronous template engine for the Express example: `{{name}}` prints a local and
 * `[[ads]]…[[/ads]]` keeps its content only when `showAds === true`.
 */
export function tinyEngine(
  filePath: string,
  options: object,
  callback: (error: unknown, html?: string) => void,
): void {
  readFile(filePath, 'utf8').then((source) => {
    const locals = options as Record<string, unknown>;
    const html = source
      .replace(/\[\[ads\]\]([\s\S]*?)\[\[\/ads\]\]/g, (_m, inner: string) =>
        locals.showAds === true ? inner : '',
      )
      .replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(locals[name] ?? ''));
    callback(null, html);
  }, callback);
}

/** The example Express app: the eager middleware for a sync engine, plus the helper and lazy locals. */
export function buildExpressExample(throttle: Pick<AdsThrottle, 'decide'>): Express {
  const app = express();
  app.engine('html', tinyEngine);
  app.set('view engine', 'html');
  app.set('views', viewsDir);

  app.get('/articles/:id', adsThrottleMiddleware({ throttle, eager: true }), (req, res) => {
    res.render('express-page', { title: `Article ${req.params.id}` });
  });

  const lazy = express.Router();
  lazy.use(adsThrottleMiddleware({ throttle }));
  lazy.get('/helper', async (req, res) => {
    const first = await shouldShowAds(req, { scope: '/articles/' });
    const again = await shouldShowAds(req, { scope: '/articles/' });
    const other = await shouldShowAds(req, { scope: '/other/' });
    res.json({ first, again, other });
  });
  lazy.get('/lazy', async (_req, res) => {
    const showAds = await (res.locals.showAds as PromiseLike<boolean>);
    res.send(showAds ? 'with ads' : 'without ads');
  });
  lazy.get('/untouched', (_req, res) => {
    res.send('no ads here');
  });
  app.use('/x', lazy);
  app.get('/no-middleware', async (req, res) => {
    try {
      await shouldShowAds(req);
      res.send('unexpected');
    } catch (error) {
      res.status(500).send((error as { code?: string }).code ?? 'unknown');
    }
  });
  return app;
}

/** A throttle double for the integration tests: answers `show` and records every decision asked. */
export function recordingThrottle(show: boolean) {
  const calls: Array<{ viewer: ViewerInput | null | undefined; options: DecideOptions | undefined }> = [];
  return {
    calls,
    async decide(viewer: ViewerInput | null | undefined, options?: DecideOptions): Promise<AdsDecision> {
      calls.push({ viewer, options });
      return { show, reason: show ? 'ok' : 'blocked', scope: options?.scope ?? '' };
    },
  };
}
