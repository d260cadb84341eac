import { type HeaderBag, readHeaderValue } from './ip.ts';

/**
 * What the decision needs to know about the current viewer. Integrations build it from a request; a
 * host calling the core directly (AdNova's `GET /ads`) fills it by hand. Missing identity means anonymous.
 */
export interface ViewerInput {
  /** Authenticated user id; present means authenticated and wins over the session. */
  userId?: string | number | null;
  /** Session key from the host's (validated) session layer. */
  sessionId?: string | null;
  /** Parsed cookies; when absent the `Cookie` header is parsed for the session cookie. */
  cookies?: Readonly<Record<string, string | undefined>>;
  /** Request headers (lower-case names, as Node gives them). */
  headers?: HeaderBag;
  /** Socket peer address. */
  remoteAddress?: string | null;
  /**
   * Client IP already resolved by the host's own trusted-proxy logic (Fastify/Express `request.ip`).
   * When set, the headers are not consulted for the IP.
   */
  ip?: string | null;
  /** User-Agent; defaults to the `User-Agent` header. */
  userAgent?: string | null;
  /** Request path or URL; its percent-decoded pathname is the default scope. */
  path?: string | null;
}

/**
 * The viewer id (behaviour §4.2): `user:<id>` when authenticated, else `session:<key>` from the session or
 * the raw session cookie, else `anonymous`. Never empty.
 */
export function resolveViewerId(viewer: ViewerInput, sessionCookieName: string): string {
  if (viewer.userId !== undefined && viewer.userId !== null && String(viewer.userId) !== '') {
    return `user:${viewer.userId}`;
  }
  if (viewer.sessionId) return `session:${viewer.sessionId}`;
  const cookie = viewer.cookies
    ? viewer.cookies[sessionCookieName]
    : readCookie(readHeaderValue(viewer.headers, 'cookie'), sessionCookieName);
  if (cookie) return `session:${cookie}`;
  return 'anonymous';
}

/** The raw `User-Agent` (not trimmed), or `''` (behaviour §4.4). */
export function resolveUserAgent(viewer: ViewerInput): string {
  if (typeof viewer.userAgent === 'string') return viewer.userAgent;
  return readHeaderValue(viewer.headers, 'user-agent') ?? '';
}

/**
 * The default scope (behaviour §4.1): the URL pathname without query or fragment, percent-decoded as UTF-8
 * (the raw pathname when decoding fails), with no other normalisation: `/a` and `/a/` differ.
 */
export function scopeFromPath(path: string | null | undefined): string {
  if (!path) return '';
  let pathname = path;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(pathname);
  if (absolute) pathname = pathname.slice(absolute[0].length) || '/';
  const cut = pathname.search(/[?#]/);
  if (cut >= 0) pathname = pathname.slice(0, cut);
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** The scope a decision uses: an explicit non-empty scope, else the request path (behaviour §4.1). */
export function resolveScope(viewer: ViewerInput, scope: string | null | undefined): string {
  return scope ? scope : scopeFromPath(viewer.path);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
