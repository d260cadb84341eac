import type { Action, Resource, StaffPrincipal } from '@adnova/core/admin/permissions';
import { can, canView } from '@adnova/core/admin/permissions';
import { type ActiveSession, findSession } from '@adnova/core/admin/sessions';
import type { Deps } from '@adnova/core/deps';
import { forbidden } from '@adnova/core/errors';
import { isStorableText } from '@adnova/core/shared/schema';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLocale, type Locale, negotiateLocale, type Translator, translator } from './i18n/i18n.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin routes only: reachable without logging in (login, static files, the language switch). */
    public?: boolean;
  }
}

/** Every admin URL lives under this prefix. */
export const ADMIN = '/admin';

export const SESSION_COOKIE = 'adnova_admin_session';
export const CSRF_COOKIE = 'adnova_admin_csrf';
export const LANGUAGE_COOKIE = 'adnova_admin_language';
export const MESSAGES_COOKIE = 'adnova_admin_messages';

/** A one-time message shown on the next page (Django's messages framework). */
export type Flash = { level: 'success' | 'warning' | 'error'; text: string };

/** What every admin handler knows about the request: who, in which language. */
export type AdminContext = {
  tr: Translator;
  /** The logged-in staff member, with the raw token of its session (for logout). */
  session: (ActiveSession & { token: string }) | undefined;
};

const contexts = new WeakMap<FastifyRequest, AdminContext>();

/** Cookie options shared by every admin cookie: HttpOnly, SameSite=Lax, signed, under /admin. */
export function cookieOptions(deps: Pick<Deps, 'config'>) {
  return {
    path: ADMIN,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.admin.secureCookies,
    signed: true,
  };
}

function signedCookie(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies[name];
  if (raw === undefined) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
}

/**
 * Resolves the session cookie (a stale or forged one is cleared) and the language: the user's
 * setting, else the language cookie (set by the switch before login), else Accept-Language.
 */
export async function loadAdminContext(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<AdminContext> {
  const token = signedCookie(request, SESSION_COOKIE);
  const found = token === undefined ? undefined : await findSession(deps, token);
  if (request.cookies[SESSION_COOKIE] !== undefined && found === undefined) {
    reply.clearCookie(SESSION_COOKIE, { path: ADMIN });
  }
  const session = found && token !== undefined ? { ...found, token } : undefined;
  const cookieLanguage = signedCookie(request, LANGUAGE_COOKIE);
  const locale: Locale =
    session?.user.language ??
    (isLocale(cookieLanguage) ? cookieLanguage : negotiateLocale(request.headers['accept-language']));
  const context = { tr: translator(locale), session };
  contexts.set(request, context);
  return context;
}

/** The request's context; requests that failed before it was loaded get an anonymous one. */
export function adminContext(request: FastifyRequest): AdminContext {
  const existing = contexts.get(request);
  if (existing) return existing;
  const context = { tr: translator(negotiateLocale(request.headers['accept-language'])), session: undefined };
  contexts.set(request, context);
  return context;
}

/** The logged-in principal; routes behind the login guard always have one. */
export function principalOf(request: FastifyRequest): StaffPrincipal {
  const session = adminContext(request).session;
  if (!session) throw forbidden();
  return session.principal;
}

/**
 * Enforces a permission before anything is read or written, so a refused request learns nothing
 * (not even whether the record exists).
 * @throws AppError FORBIDDEN → 403 page
 */
export function requirePermission(
  request: FastifyRequest,
  resource: Resource,
  action: Action,
): StaffPrincipal {
  const principal = principalOf(request);
  const allowed = action === 'view' ? canView(principal, resource) : can(principal, resource, action);
  if (!allowed) throw forbidden();
  return principal;
}

/** Users and groups are managed by superusers only. @throws AppError FORBIDDEN */
export function requireSuperuser(request: FastifyRequest): StaffPrincipal {
  const principal = principalOf(request);
  if (!principal.isSuperuser) throw forbidden();
  return principal;
}

const pending = new WeakMap<FastifyReply, Flash[]>();

/** Queues a message for the next page the browser renders (set as a signed cookie). */
export function flash(deps: Pick<Deps, 'config'>, reply: FastifyReply, message: Flash): void {
  const list = pending.get(reply) ?? [];
  // Messages quote record names (a title may be 10 000 characters); a cookie holds about 4 KB.
  const text = message.text.length > 300 ? `${message.text.slice(0, 299)}…` : message.text;
  list.push({ ...message, text });
  pending.set(reply, list);
  reply.setCookie(MESSAGES_COOKIE, JSON.stringify(list.slice(-5)), cookieOptions(deps));
}

/** The messages queued by the previous response; reading them clears the cookie. */
export function takeFlashes(request: FastifyRequest, reply: FastifyReply): Flash[] {
  const raw = signedCookie(request, MESSAGES_COOKIE);
  if (request.cookies[MESSAGES_COOKIE] === undefined) return [];
  if (!pending.has(reply)) reply.clearCookie(MESSAGES_COOKIE, { path: ADMIN });
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((item: unknown) => {
      const m = item as Partial<Flash>;
      return typeof m.text === 'string' &&
        (m.level === 'success' || m.level === 'warning' || m.level === 'error')
        ? [{ level: m.level, text: m.text }]
        : [];
    });
  } catch {
    return [];
  }
}

/** Longest redirect target taken from a request, in characters once percent-encoded. */
const MAX_NEXT_LENGTH = 2000;

/**
 * A local admin path to return to after login or a language switch, as a valid `Location` value:
 * anything else (another host, `//evil`, a backslash trick, white space, NUL or an unpaired
 * surrogate, too long) becomes the admin home, so no open redirect is possible. Characters a header
 * cannot carry (controls, anything past ASCII: `/admin/嘊` once answered 500) are percent-encoded
 * as UTF-8, as a browser would send them; existing escapes stay as they are.
 */
export function safeNext(next: unknown): string {
  const home = `${ADMIN}/`;
  if (
    typeof next !== 'string' ||
    next.length > MAX_NEXT_LENGTH ||
    !next.startsWith(home) ||
    /[\\\s]|\/\//.test(next) ||
    !isStorableText(next)
  ) {
    return home;
  }
  const encoded = next.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  return encoded.length > MAX_NEXT_LENGTH ? home : encoded;
}
