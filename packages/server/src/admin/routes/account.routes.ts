import { defaultPasswordInUse } from '@adnova/core/admin/bootstrap';
import { authenticate, createSession, deleteSession } from '@adnova/core/admin/sessions';
import { changeOwnPassword, setStaffLanguage } from '@adnova/core/admin/users';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ADMIN,
  adminContext,
  CSRF_COOKIE,
  cookieOptions,
  flash,
  LANGUAGE_COOKIE,
  principalOf,
  SESSION_COOKIE,
  safeNext,
} from '../context.ts';
import {
  asBody,
  type FormErrors,
  field,
  formReader,
  issuesToErrors,
  isValidationError,
  noErrors,
  readNewPassword,
} from '../forms.ts';
import { html } from '../html.ts';
import { isLocale } from '../i18n/i18n.ts';
import { csrfToken, type Kit, redirect, sendPage } from '../render.ts';
import { newPasswordFields } from '../views/fields.ts';
import { navGroups } from '../views/nav.ts';
import { changeForm } from '../views/widgets.ts';

/** Home, login, logout, the own password and the language switch. */
export async function accountRoutes(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  const { deps } = kit;

  app.get('/', async (request, reply) => {
    const { tr, session } = adminContext(request);
    const principal = principalOf(request);
    const groups = navGroups(tr, principal);
    const warning = await defaultPasswordInUse(deps);
    return sendPage(request, reply, {
      title: tr.t('index.title'),
      breadcrumbs: [],
      content: html`${
        warning
          ? html`<p class="errornote default-password" role="alert">${tr.t('index.defaultPassword')}
              ${session?.user.username === 'admin' ? html`<a href="${ADMIN}/password_change/">${tr.t('nav.changePassword')}</a>` : ''}</p>`
          : ''
      }
      <div id="content-main" class="app-index">
        ${groups.length === 0 ? html`<p>${tr.t('index.noPermissions')}</p>` : ''}
        ${groups.map(
          (group) => html`<div class="module">
            <table><caption>${group.label}</caption>
            ${group.entries.map(
              (entry) => html`<tr>
                <th scope="row"><a href="${entry.href}">${entry.label}</a></th>
                <td>${entry.addHref ? html`<a href="${entry.addHref}" class="addlink">${tr.t('action.add')}</a>` : ''}</td>
                <td><a href="${entry.href}" class="changelink">${tr.t('action.open')}</a></td>
              </tr>`,
            )}
            </table>
          </div>`,
        )}
      </div>`,
    });
  });

  const loginPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    options: { username: string; next: string; error?: string; status?: number },
  ) => {
    const { tr } = adminContext(request);
    return sendPage(request, reply, {
      title: tr.t('login.title'),
      heading: '',
      breadcrumbs: [],
      bare: true,
      bodyClass: 'login',
      status: options.status,
      content: html`<div id="content-main" class="login-box">
        ${options.error ? html`<p class="errornote" role="alert">${options.error}</p>` : ''}
        <form method="post" action="${ADMIN}/login/" id="login-form">
          <input type="hidden" name="_csrf" value="${csrfToken(reply)}">
          <input type="hidden" name="next" value="${options.next}">
          <div class="form-row">
            <label for="id_username" class="required">${tr.t('login.username')}:</label>
            <input type="text" name="username" id="id_username" value="${options.username}" autocomplete="username" autocapitalize="none" maxlength="150" required autofocus>
          </div>
          <div class="form-row">
            <label for="id_password" class="required">${tr.t('login.password')}:</label>
            <input type="password" name="password" id="id_password" autocomplete="current-password" required>
          </div>
          <div class="submit-row"><input type="submit" value="${tr.t('login.submit')}"></div>
        </form>
      </div>`,
    });
  };

  app.get('/login/', { config: { public: true } }, async (request, reply) => {
    const next = safeNext(field(asBody(request.query), 'next'));
    if (adminContext(request).session) return redirect(reply, next);
    return loginPage(request, reply, { username: '', next });
  });

  const LIMIT_MESSAGES = {
    account: 'login.rateLimited',
    client: 'login.rateLimitedClient',
    hashing: 'login.busy',
  } as const;

  app.post('/login/', { config: { public: true } }, async (request, reply) => {
    const { tr } = adminContext(request);
    const form = formReader(tr, asBody(request.body));
    const username = form.text('username', { required: false, keepSpaces: true }).slice(0, 150);
    const password = form.text('password', { required: false, keepSpaces: true }).slice(0, 1024);
    const next = safeNext(form.text('next', { required: false, keepSpaces: true }));
    if (!form.ok()) {
      const labels: Record<string, string> = {
        username: tr.t('login.username'),
        password: tr.t('login.password'),
      };
      const error = Object.entries(form.errors.fields)
        .map(([name, messages]) => `${labels[name] ?? name}: ${messages.join(' ')}`)
        .join(' ');
      return loginPage(request, reply, { username: '', next, status: 400, error });
    }
    const result = await authenticate(deps, { username, password, ip: request.ip, keySecret: kit.secret });
    if (!result.ok) {
      if (result.reason === 'rate_limited') {
        reply.header('Retry-After', String(result.retryAfterSeconds));
        return loginPage(request, reply, {
          username,
          next,
          status: 429,
          error: tr.t(LIMIT_MESSAGES[result.limit], { minutes: Math.ceil(result.retryAfterSeconds / 60) }),
        });
      }
      return loginPage(request, reply, { username, next, status: 400, error: tr.t('login.invalid') });
    }
    const session = await createSession(deps, result.user.id);
    reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions(deps), expires: session.expiresAt });
    // A new CSRF secret after login, as Django rotates its token: one planted before login is useless.
    reply.clearCookie(CSRF_COOKIE, { path: ADMIN });
    return redirect(reply, next);
  });

  app.post('/logout/', { config: { public: true } }, async (request, reply) => {
    const { tr, session } = adminContext(request);
    if (session) await deleteSession(deps, session.token);
    reply.clearCookie(SESSION_COOKIE, { path: ADMIN });
    adminContext(request).session = undefined;
    return sendPage(request, reply, {
      title: tr.t('login.loggedOut'),
      breadcrumbs: [],
      bare: true,
      content: html`<p>${tr.t('login.loggedOutText')}</p><p><a href="${ADMIN}/login/">${tr.t('login.again')}</a></p>`,
    });
  });

  const passwordPage = (request: FastifyRequest, reply: FastifyReply, errors: FormErrors, status = 200) => {
    const { tr } = adminContext(request);
    return sendPage(request, reply, {
      title: tr.t('password.title'),
      breadcrumbs: [{ label: tr.t('password.title') }],
      status,
      content: html`<p>${tr.t('password.intro')}</p>
      ${changeForm({
        tr,
        action: `${ADMIN}/password_change/`,
        csrfToken: csrfToken(reply),
        errors,
        fieldsets: [
          {
            fields: [
              {
                kind: 'password',
                name: 'old_password',
                label: tr.t('password.old'),
                value: '',
                required: true,
                attrs: { autocomplete: 'current-password' },
              },
              ...newPasswordFields(tr),
            ],
          },
        ],
        submit: { label: tr.t('password.submit') },
      })}`,
    });
  };

  app.get('/password_change/', async (request, reply) => passwordPage(request, reply, noErrors()));

  app.post('/password_change/', async (request, reply) => {
    const { tr, session } = adminContext(request);
    if (!session) return redirect(reply, `${ADMIN}/login/`);
    const form = formReader(tr, asBody(request.body));
    const oldPassword = form.text('old_password', { keepSpaces: true });
    const password = readNewPassword(tr, form);
    if (!form.ok()) return passwordPage(request, reply, form.errors, 400);
    try {
      await changeOwnPassword(deps, session.user.id, { oldPassword, password, sessionId: session.sessionId });
    } catch (error) {
      if (!isValidationError(error)) throw error;
      return passwordPage(request, reply, issuesToErrors(error, tr, ['old_password', 'password']), 400);
    }
    flash(deps, reply, { level: 'success', text: tr.t('msg.passwordChanged') });
    return redirect(reply, `${ADMIN}/`);
  });

  app.post('/language/', { config: { public: true } }, async (request, reply) => {
    const { session } = adminContext(request);
    const body = asBody(request.body);
    const language = field(body, 'language');
    const next = safeNext(field(body, 'next'));
    if (!isLocale(language)) {
      const { tr } = adminContext(request);
      return sendPage(request, reply, {
        title: tr.t('error.400'),
        breadcrumbs: [],
        status: 400,
        bare: !session,
        content: html`<p class="errornote">${tr.t('form.choice')}</p>`,
      });
    }
    if (session) await setStaffLanguage(deps, session.user.id, language);
    reply.setCookie(LANGUAGE_COOKIE, language, { ...cookieOptions(deps), maxAge: 365 * 86_400 });
    return redirect(reply, next);
  });
}
