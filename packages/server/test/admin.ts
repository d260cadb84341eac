import { randomUUID } from 'node:crypto';
import type { Permission } from '@adnova/core/admin/permissions';
import { createStaffUser, updateStaffUser } from '@adnova/core/admin/users';
import type { Deps } from '@adnova/core/deps';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/** Form fields as a browser sends them; arrays repeat the name. */
export type Form = Record<string, string | string[] | undefined>;

export function encodeForm(form: Form): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params.toString();
}

/** The CSRF token of the first form on an admin page. */
export function csrfFrom(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/**
 * A browser in tests: keeps the admin's cookies between `app.inject` calls, and fetches a fresh
 * CSRF token from a page before each POST unless the test passes its own (or `false` for none).
 */
export type AdminAgent = {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(
    url: string,
    form: Form,
    options?: { csrf?: string | false; from?: string },
  ): Promise<LightMyRequestResponse>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  cookies: Map<string, string>;
};

export function adminAgent(app: FastifyInstance, defaultHeaders: Record<string, string> = {}): AdminAgent {
  const cookies = new Map<string, string>();
  const remember = (res: LightMyRequestResponse) => {
    for (const cookie of res.cookies) {
      if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0))
        cookies.delete(cookie.name);
      else cookies.set(cookie.name, cookie.value);
    }
    return res;
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const agent: AdminAgent = {
    cookies,
    async request(options) {
      const headers = {
        ...defaultHeaders,
        ...(options.headers as Record<string, string> | undefined),
        cookie: cookieHeader(),
      };
      return remember(await app.inject({ ...options, headers }));
    },
    get: (url, headers = {}) => agent.request({ method: 'GET', url, headers }),
    async post(url, form, options = {}) {
      let token = options.csrf;
      if (token === undefined) {
        const page = await agent.get(
          options.from ?? (cookies.has('adnova_admin_session') ? '/admin/password_change/' : '/admin/login/'),
        );
        token = csrfFrom(page.body);
      }
      return agent.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: encodeForm(token === false ? form : { _csrf: token, ...form }),
      });
    },
  };
  return agent;
}

/** Logs the agent in; throws unless the login succeeded. */
export async function login(agent: AdminAgent, username: string, password: string): Promise<void> {
  const res = await agent.post('/admin/login/', { username, password, next: '/admin/' });
  if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode}`);
}

export const STAFF_PASSWORD = 'correct horse battery';

/** A staff account (not superuser) with exactly these permissions, and an agent logged in as it. */
export async function staffAgent(
  app: FastifyInstance,
  deps: Deps,
  permissions: Permission[] = [],
  options: { superuser?: boolean } = {},
): Promise<{ agent: AdminAgent; userId: number; username: string }> {
  const username = `staff_${randomUUID().slice(0, 8)}`;
  const user = await createStaffUser(deps, {
    username,
    password: STAFF_PASSWORD,
    isSuperuser: options.superuser,
  });
  if (permissions.length > 0) {
    await updateStaffUser(deps, user.id, {
      username,
      email: '',
      isActive: true,
      isSuperuser: options.superuser ?? false,
      language: null,
      groupIds: [],
      permissions,
    });
  }
  const agent = adminAgent(app);
  await login(agent, username, STAFF_PASSWORD);
  return { agent, userId: user.id, username };
}

/** The texts of a form row's error list (`<div class="form-row field-NAME errors">`). */
export function fieldErrors(body: string, name: string): string[] {
  const row = new RegExp(
    `class="form-row field-${name} errors">\\s*<ul class="errorlist"[^>]*>(.*?)</ul>`,
    's',
  ).exec(body);
  return row?.[1] ? [...row[1].matchAll(/<li>(.*?)<\/li>/gs)].map((m) => decodeEntities(m[1] ?? '')) : [];
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#96;': '`',
};

/** Undoes the admin's escaping, to compare texts. */
export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (entity) => ENTITIES[entity] ?? entity);
}
