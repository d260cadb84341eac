import { listAllGroups } from '@adnova/core/admin/groups';
import {
  createStaffUser,
  deleteStaffUser,
  getStaffUser,
  LANGUAGES,
  listStaffUsers,
  type StaffUserDetail,
  type StaffUserListRow,
  setStaffPassword,
  updateStaffUser,
} from '@adnova/core/admin/users';
import { notFound } from '@adnova/core/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN, adminContext, flash, principalOf, requireSuperuser } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import {
  asBody,
  type FormErrors,
  fields,
  formReader,
  issuesToErrors,
  isValidationError,
  noErrors,
} from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { csrfToken, type Kit, redirect, sendPage } from '../render.ts';
import { capitalize } from '../views/nav.ts';
import { permissionMatrix } from '../views/permissions.ts';
import { booleanIcon, changeForm, formatTime, yesNo } from '../views/widgets.ts';

type UserRecord = StaffUserDetail & { groupChoices: { id: number; name: string }[] };

const CHANGE_FIELDS = ['username', 'email', 'language', 'is_active', 'is_superuser', 'groups', 'permissions'];

function idOf(params: Record<string, string>): number {
  const raw = params.id ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

async function loadUser(deps: Kit['deps'], id: number): Promise<UserRecord> {
  const [user, groupChoices] = await Promise.all([getStaffUser(deps, id), listAllGroups(deps)]);
  return { ...user, groupChoices };
}

function readPasswords(tr: Translator, body: ReturnType<typeof asBody>) {
  const form = formReader(tr, body);
  const password = form.text('password', { keepSpaces: true });
  const confirmation = form.text('password2', { keepSpaces: true });
  if (password !== '' && confirmation !== '' && password !== confirmation) {
    form.add('password2', tr.t('form.passwordMismatch'));
  }
  return { form, password };
}

export const usersModel: ModelAdmin<StaffUserListRow, UserRecord> = {
  resource: 'superuser',
  path: 'users',
  one: 'res.user.one',
  many: 'res.user.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('user.search'),
  columns: (tr) => [
    { label: tr.t('user.username'), sort: 'username', cell: (r) => r.username },
    { label: tr.t('user.email'), sort: 'email', cell: (r) => r.email || '—' },
    { label: tr.t('user.isSuperuser'), sort: 'superuser', cell: (r) => booleanIcon(tr, r.isSuperuser) },
    { label: tr.t('user.isActive'), sort: 'active', cell: (r) => booleanIcon(tr, r.isActive) },
    { label: tr.t('user.groups'), cell: (r) => r.groups || '—' },
    { label: tr.t('user.lastLogin'), sort: 'last_login', cell: (r) => formatTime(r.lastLoginAt) },
  ],
  filterNames: ['superuser', 'active', 'group'],
  async filters(tr, _current, deps) {
    const groups = await listAllGroups(deps);
    return [
      { name: 'superuser', label: tr.t('user.isSuperuser'), choices: yesNo(tr) },
      { name: 'active', label: tr.t('user.isActive'), choices: yesNo(tr) },
      ...(groups.length > 0
        ? [
            {
              name: 'group',
              label: tr.t('user.groups'),
              choices: groups.map((g) => ({ value: String(g.id), label: g.name })),
            },
          ]
        : []),
    ];
  },
  list: (deps, params) => listStaffUsers(deps, params),
  rowKey: (row) => String(row.id),
  get: (deps, params) => loadUser(deps, idOf(params)),
  recordKey: (u) => String(u.id),
  describe: (u) => u.username,
  values: (u) => ({
    username: u.username,
    email: u.email,
    language: u.language ?? '',
    is_active: u.isActive ? 'on' : '',
    is_superuser: u.isSuperuser ? 'on' : '',
    groups: u.groupIds.map(String),
    permissions: u.permissions,
  }),
  fieldsets(tr, mode, values, u) {
    const text = (name: string) => {
      const v = values[name];
      return typeof v === 'string' ? v : undefined;
    };
    const list = (name: string) => {
      const v = values[name];
      return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
    };
    if (mode === 'add') {
      return [
        {
          fields: [
            {
              kind: 'text',
              name: 'username',
              label: tr.t('user.username'),
              value: text('username'),
              required: true,
              help: tr.t('user.username.help'),
              attrs: { maxlength: 150, autocomplete: 'off' },
            },
            {
              kind: 'password',
              name: 'password',
              label: tr.t('user.password'),
              value: '',
              required: true,
              help: tr.t('password.help'),
              attrs: { autocomplete: 'new-password' },
            },
            {
              kind: 'password',
              name: 'password2',
              label: tr.t('user.password2'),
              value: '',
              required: true,
              attrs: { autocomplete: 'new-password' },
            },
          ],
        },
      ];
    }
    return [
      {
        fields: [
          {
            kind: 'text',
            name: 'username',
            label: tr.t('user.username'),
            value: text('username'),
            required: true,
            help: tr.t('user.username.help'),
            attrs: { maxlength: 150 },
          },
          {
            kind: 'readonly',
            name: 'password',
            label: tr.t('user.password'),
            display: html`${tr.t('user.passwordInfo')} <a href="${ADMIN}/users/${u?.id ?? ''}/password/">${tr.t('user.passwordForm')}</a>`,
          },
        ],
      },
      {
        title: tr.t('user.personal'),
        fields: [
          {
            kind: 'email',
            name: 'email',
            label: tr.t('user.email'),
            value: text('email'),
            attrs: { maxlength: 254 },
          },
          {
            kind: 'select',
            name: 'language',
            label: tr.t('user.language'),
            value: text('language') ?? '',
            choices: [
              { value: '', label: tr.t('user.language.auto') },
              { value: 'en', label: 'English' },
              { value: 'ru', label: 'Русский' },
            ],
          },
        ],
      },
      {
        title: tr.t('user.permissionsSection'),
        fields: [
          {
            kind: 'checkbox',
            name: 'is_active',
            label: tr.t('user.isActive'),
            checked: text('is_active') === 'on',
            help: tr.t('user.isActive.help'),
          },
          {
            kind: 'checkbox',
            name: 'is_superuser',
            label: tr.t('user.isSuperuser'),
            checked: text('is_superuser') === 'on',
            help: tr.t('user.isSuperuser.help'),
          },
          {
            kind: 'checkboxes',
            name: 'groups',
            label: tr.t('user.groups'),
            choices: (u?.groupChoices ?? []).map((g) => ({ value: String(g.id), label: g.name })),
            selected: list('groups'),
            help: tr.t('user.groups.help'),
          },
          {
            kind: 'custom',
            name: 'permissions',
            label: tr.t('user.permissions'),
            widget: permissionMatrix(tr, 'permissions', list('permissions')),
          },
        ],
      },
      {
        title: tr.t('user.dates'),
        fields: [
          {
            kind: 'readonly',
            name: 'last_login',
            label: tr.t('user.lastLogin'),
            display: formatTime(u?.lastLoginAt),
          },
          {
            kind: 'readonly',
            name: 'date_joined',
            label: tr.t('user.dateJoined'),
            display: formatTime(u?.createdAt),
          },
        ],
      },
    ];
  },
  async create(deps, tr, body) {
    const { form, password } = readPasswords(tr, body);
    const username = form.text('username', { max: 150 });
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, ['username', 'password'], async () => {
      const user = await createStaffUser(deps, { username, password });
      return loadUser(deps, user.id);
    });
  },
  async update(deps, tr, body, record) {
    const form = formReader(tr, body);
    const username = form.text('username', { max: 150 });
    const email = form.text('email', { required: false, max: 254 });
    const language = form.choice('language', LANGUAGES, { required: false });
    const groupIds = fields(body, 'groups');
    if (!groupIds.every((id) => /^\d{1,15}$/.test(id))) form.add('groups', tr.t('form.choice'));
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, CHANGE_FIELDS, async () => {
      await updateStaffUser(deps, record.id, {
        username,
        email,
        language,
        isActive: form.checkbox('is_active'),
        isSuperuser: form.checkbox('is_superuser'),
        groupIds: groupIds.map(Number),
        permissions: fields(body, 'permissions'),
      });
      return loadUser(deps, record.id);
    });
  },
  remove: (deps, record, request) => deleteStaffUser(deps, principalOf(request).id, record.id),
  consequences: (tr) => [tr.t('delete.user')],
};

/** Staff accounts, for superusers only: list, add, change (groups, permissions), password, delete. */
export async function usersAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  const { deps } = kit;
  registerModelAdmin(app, kit, usersModel);

  const passwordPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRecord,
    errors: FormErrors,
    status = 200,
  ) => {
    const { tr } = adminContext(request);
    const title = tr.t('password.setFor', { username: user.username });
    return sendPage(request, reply, {
      title,
      status,
      breadcrumbs: [
        { label: capitalize(tr.t('res.user.many')), href: `${ADMIN}/users/` },
        { label: user.username, href: `${ADMIN}/users/${user.id}/change/` },
        { label: tr.t('password.title') },
      ],
      content: html`<p>${tr.t('password.introFor', { username: user.username })}</p>
        ${changeForm({
          tr,
          action: `${ADMIN}/users/${user.id}/password/`,
          csrfToken: csrfToken(reply),
          errors,
          fieldsets: [
            {
              fields: [
                {
                  kind: 'password',
                  name: 'password',
                  label: tr.t('password.new'),
                  value: '',
                  required: true,
                  help: tr.t('password.help'),
                  attrs: { autocomplete: 'new-password' },
                },
                {
                  kind: 'password',
                  name: 'password2',
                  label: tr.t('password.confirm'),
                  value: '',
                  required: true,
                  attrs: { autocomplete: 'new-password' },
                },
              ],
            },
          ],
          submit: { label: tr.t('password.submit') },
        })}`,
    });
  };

  app.get<{ Params: Record<string, string> }>('/users/:id/password/', async (request, reply) => {
    requireSuperuser(request);
    const user = await loadUser(deps, idOf(request.params));
    return passwordPage(request, reply, user, noErrors());
  });

  app.post<{ Params: Record<string, string> }>('/users/:id/password/', async (request, reply) => {
    requireSuperuser(request);
    const { tr, session } = adminContext(request);
    const user = await loadUser(deps, idOf(request.params));
    const { form, password } = readPasswords(tr, asBody(request.body));
    if (!form.ok()) return passwordPage(request, reply, user, form.errors, 400);
    try {
      await setStaffPassword(
        deps,
        user.id,
        password,
        session?.user.id === user.id ? session.sessionId : undefined,
      );
    } catch (error) {
      if (!isValidationError(error)) throw error;
      return passwordPage(request, reply, user, issuesToErrors(error, tr, ['password']), 400);
    }
    flash(deps, reply, {
      level: 'success',
      text: tr.t('msg.passwordChangedFor', { username: user.username }),
    });
    return redirect(reply, `${ADMIN}/users/${user.id}/change/`);
  });
}
