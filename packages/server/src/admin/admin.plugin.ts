import { isAdsThrottleError } from '@adnova/ads-throttle';
import { ensureAdminAccount, resolveSessionSecret } from '@adnova/core/admin/bootstrap';
import type { Deps } from '@adnova/core/deps';
import { AppError, type AppErrorCode } from '@adnova/core/errors';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUnavailable, statusOf, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/errors.ts';
import { ADMIN, adminContext, CSRF_COOKIE, cookieOptions, loadAdminContext } from './context.ts';
import { html } from './html.ts';
import type { MessageKey, Translator } from './i18n/i18n.ts';
import { makeKit, redirect, sendPage } from './render.ts';
import { accountRoutes } from './routes/account.routes.ts';
import { advertisersAdmin } from './routes/advertisers.admin.ts';
import { campaignsAdmin } from './routes/campaigns.admin.ts';
import { clientsAdmin } from './routes/clients.admin.ts';
import { eventsAdmin } from './routes/events.admin.ts';
import { groupsAdmin } from './routes/groups.admin.ts';
import { mlScoresAdmin } from './routes/ml-scores.admin.ts';
import { reportsAdmin } from './routes/reports.admin.ts';
import { staticRoutes } from './routes/static.routes.ts';
import { statsAdmin } from './routes/stats.admin.ts';
import { throttleAdmin } from './routes/throttle.admin.ts';
import { usersAdmin } from './routes/users.admin.ts';

// The page title and text of each status; the status itself always comes from `statusOf`.
const STATUS_TEXT: Record<number, [MessageKey, MessageKey]> = {
  400: ['error.400', 'error.400text'],
  403: ['error.403', 'error.403text'],
  404: ['error.404', 'error.404text'],
  409: ['error.409', 'error.409text'],
  413: ['error.413', 'error.413text'],
  415: ['error.400', 'error.400text'],
  429: ['error.429', 'error.429text'],
  503: ['error.503', 'error.503text'],
  500: ['error.500', 'error.500text'],
};

function errorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail?: string,
): FastifyReply {
  const { tr } = adminContext(request);
  const [title, text] = STATUS_TEXT[status] ??
    STATUS_TEXT[status >= 500 ? 500 : 400] ?? ['error.400', 'error.400text'];
  if (status === 503 && !reply.hasHeader('Retry-After')) {
    reply.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  }
  return sendPage(request, reply, {
    title: tr.t(title),
    breadcrumbs: [],
    status,
    bare: adminContext(request).session === undefined,
    content: html`<div class="error-page">
      <p>${tr.t(text)}</p>
      ${detail === undefined || detail === '' ? '' : html`<p class="errornote">${detail}</p>`}
    </div>`,
  });
}

/**
 * What a 400 or 409 page says: the error's own message when it sums up its issues, otherwise each
 * issue after the name of the field or parameter it is about (`q: must not contain NUL…`),
 * translated.
 */
function explain(tr: Translator, error: AppError): string {
  const issues = error.details.issues ?? [];
  if (issues.every((issue) => issue.msg === error.message)) return tr.domain(error.message);
  return issues.map((issue) => `${String(issue.loc.at(-1))}: ${tr.domain(issue.msg)}`).join(' ');
}

/** The library's error codes in the domain's vocabulary, so `statusOf` is the one status table. */
const THROTTLE_CODES: Partial<Record<string, AppErrorCode>> = {
  ADS_THROTTLE_NOT_FOUND: 'NOT_FOUND',
  ADS_THROTTLE_FORBIDDEN: 'FORBIDDEN',
  ADS_THROTTLE_NO_DATABASE: 'UNAVAILABLE',
};

/**
 * The admin panel (issue 6): server-rendered pages under `/admin` for staff, with sessions in
 * signed cookies, CSRF protection on every POST, permissions on every page and action, and English
 * and Russian. Everything registered here (cookies, form bodies, CSRF, the HTML error pages) stays
 * inside this plugin's scope; the JSON API is untouched.
 */
export async function adminPlugin(app: FastifyInstance, { deps }: { deps: Deps }): Promise<void> {
  await ensureAdminAccount(deps);
  const secret = await resolveSessionSecret(deps);
  await app.register(cookie, { secret });
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: cookieOptions(deps),
  });
  const kit = makeKit(deps, secret);
  // Admin pages are not part of the API: keep them out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...(route.schema ?? {}), hide: true };
  });
  const storageOrigin = (() => {
    try {
      return new URL(deps.config.storage.publicBaseUrl).origin;
    } catch {
      return '';
    }
  })();
  const csp = [
    "default-src 'self'",
    `img-src 'self' data: ${storageOrigin}`.trim(),
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

  app.addHook('onRequest', async (request, reply) => {
    reply
      .header('Content-Security-Policy', csp)
      .header('X-Frame-Options', 'DENY')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'same-origin');
    if (request.url.startsWith(`${ADMIN}/static/`)) return;
    await loadAdminContext(deps, request, reply);
  });
  // CSRF first, like Django's middleware: a forged POST is refused whoever sends it.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') {
      app.csrfProtection(request, reply, done);
      return;
    }
    done();
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.config.public || adminContext(request).session) return;
    const login = `${ADMIN}/login/?next=${encodeURIComponent(request.method === 'GET' ? request.url : `${ADMIN}/`)}`;
    if (request.headers['hx-request'] === 'true') {
      return reply.header('HX-Redirect', login).code(204).send();
    }
    return redirect(reply, login);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      // Retry-After of RATE_LIMITED (login and password-hashing limits) and UNAVAILABLE.
      for (const [name, value] of Object.entries(error.details.headers ?? {})) reply.header(name, value);
      const status = statusOf(error.code);
      const { tr } = adminContext(request);
      const detail = status === 400 || status === 409 ? explain(tr, error) : undefined;
      return errorPage(request, reply, status, detail);
    }
    if (isAdsThrottleError(error)) {
      const { tr } = adminContext(request);
      const code = THROTTLE_CODES[error.code] ?? 'VALIDATION';
      const status = statusOf(code);
      return errorPage(request, reply, status, code === 'VALIDATION' ? error.localize(tr.locale) : undefined);
    }
    if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') {
      const { tr } = adminContext(request);
      return sendPage(request, reply, {
        title: tr.t('error.403'),
        breadcrumbs: [],
        status: 403,
        bare: true,
        content: html`<div class="error-page"><p class="errornote">${tr.t('error.csrf')}</p><p>${tr.t('error.csrfHelp')}</p></div>`,
      });
    }
    const status = error.statusCode;
    if (error.validation || (status !== undefined && status >= 400 && status < 500)) {
      return errorPage(request, reply, error.validation ? 400 : (status ?? 400));
    }
    if (isUnavailable(error)) {
      request.log.error({ err: error }, 'admin: backing service unavailable');
      return errorPage(request, reply, 503);
    }
    request.log.error({ err: error }, 'admin: unhandled error');
    return errorPage(request, reply, 500);
  });

  // The scope's hooks run for unknown paths too: anonymous visitors are sent to the login first.
  app.setNotFoundHandler((request, reply) => errorPage(request, reply, 404));

  await app.register(staticRoutes);
  await app.register(accountRoutes, { kit });
  await app.register(advertisersAdmin, { kit });
  await app.register(campaignsAdmin, { kit });
  await app.register(clientsAdmin, { kit });
  await app.register(mlScoresAdmin, { kit });
  await app.register(eventsAdmin, { kit });
  await app.register(reportsAdmin, { kit });
  await app.register(statsAdmin, { kit });
  await app.register(throttleAdmin, { kit });
  await app.register(usersAdmin, { kit });
  await app.register(groupsAdmin, { kit });
}
