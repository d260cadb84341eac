import type { Deps } from '@adnova/core/deps';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN, adminContext, takeFlashes } from './context.ts';
import type { HtmlValue } from './html.ts';
import type { Translator } from './i18n/i18n.ts';
import { type Crumb, layout } from './views/layout.ts';
import { navGroups } from './views/nav.ts';

const tokens = new WeakMap<FastifyReply, string>();

/** The CSRF token for this response's forms (one per response; the secret cookie is set once). */
export function csrfToken(reply: FastifyReply): string {
  const existing = tokens.get(reply);
  if (existing !== undefined) return existing;
  const token = reply.generateCsrf();
  tokens.set(reply, token);
  return token;
}

export type PageOptions = {
  title: string;
  heading?: string;
  /** Crumbs after "Home". */
  breadcrumbs: Crumb[];
  content: HtmlValue;
  status?: number;
  bodyClass?: string;
  /** Hide the model sidebar (login, logged-out and error pages). */
  bare?: boolean;
};

/** Renders a full admin page in the request's language and sends it, never cached. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, options: PageOptions): FastifyReply {
  const { tr, session } = adminContext(request);
  const path = request.url.length <= 2000 && request.url.startsWith(`${ADMIN}/`) ? request.url : `${ADMIN}/`;
  const page = layout({
    tr,
    title: options.title,
    heading: options.heading,
    breadcrumbs:
      options.bare && options.breadcrumbs.length === 0
        ? []
        : [{ label: tr.t('nav.home'), href: `${ADMIN}/` }, ...options.breadcrumbs],
    content: options.content,
    csrfToken: csrfToken(reply),
    flashes: takeFlashes(request, reply),
    username: session?.user.username,
    nav: session && !options.bare ? navGroups(tr, session.principal) : [],
    path: request.method === 'GET' ? path : `${ADMIN}/`,
    bodyClass: options.bodyClass,
  });
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(page.value);
}

/** 303 after a successful POST (Post/Redirect/Get). */
export function redirect(reply: FastifyReply, url: string): FastifyReply {
  return reply.header('Cache-Control', 'no-store').redirect(url, 303);
}

export type Kit = {
  deps: Deps;
  /** The cookie-signing key; also keys the login counters' hashes. */
  secret: string;
  /** The request's translator. */
  tr(request: FastifyRequest): Translator;
};

export function makeKit(deps: Deps, secret: string): Kit {
  return { deps, secret, tr: (request) => adminContext(request).tr };
}
