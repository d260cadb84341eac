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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN, adminContext, flash, principalOf, requireSuperuser } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving, serialIdOf } from '../crud.ts';
import {
  asBody,
  type FormErrors,
  formReader,
  issuesToErrors,
  isValidationError,
  listValue,
  noErrors,
  readNewPassword,
  textValue,
} from '../forms.ts';
import { html } from '../html.ts';
import { csrfToken, type Kit, redirect, sendPage } from '../render.ts';
import { newPasswordFields } from '../views/fields.ts';
import { capitalize } from '../views/nav.ts';
import { permissionMatrix } from '../views/permissions.ts';
import { booleanIcon, changeForm, type FieldSpec, formatTime, yesNo } from '../views/widgets.ts';

type UserRecord = StaffUserDetail & { groupChoices: { id: number; name: string }[] };

const CHANGE_FIELDS = ['username', 'email', 'language', 'is_active', 'is_superuser', 'groups', 'permissions'];

async function loadUser(deps: Kit['deps'], id: number): Promise<UserRecord> {
  const [user, groupChoices] = await Promise.all([getStaffUser(deps, id), listAllGroups(deps)]);
  return { ...user, groupChoices };
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
  get: (deps, params) => loadUser(deps, serialIdOf(params)),
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
    const username = (attrs: Record<string, string | number>): FieldSpec => ({
      kind: 'text',
      name: 'username',
      label: tr.t('user.username'),
      value: textValue(values, 'username'),
      required: true,
      help: tr.t('user.username.help'),
      attrs,
    });
    if (mode === 'add') {
      return [
        {
          fields: [
            username({ maxlength: 150, autocomplete: 'off' }),
            ...newPasswordFields(tr, {
              password: tr.t('user.password'),
              confirmation: tr.t('user.password2'),
            }),
          ],
        },
      ];
    }
    return [
      {
        fields: [
          username({ maxlength: 150 }),
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
            value: textValue(values, 'email'),
            attrs: { maxlength: 254 },
          },
          {
            kind: 'select',
            name: 'language',
            label: tr.t('user.language'),
            value: textValue(values, 'language') ?? '',
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
            checked: textValue(values, 'is_active') === 'on',
            help: tr.t('user.isActive.help'),
          },
          {
            kind: 'checkbox',
            name: 'is_superuser',
            label: tr.t('user.isSuperuser'),
            checked: textValue(values, 'is_superuser') === 'on',
            help: tr.t('user.isSuperuser.help'),
          },
          {
            kind: 'checkboxes',
            name: 'groups',
            label: tr.t('user.groups'),
            choices: (u?.groupChoices ?? []).map((g) => ({ value: String(g.id), label: g.name })),
            selected: listValue(values, 'groups'),
            help: tr.t('user.groups.help'),
          },
          {
            kind: 'custom',
            name: 'permissions',
            label: tr.t('user.permissions'),
            widget: permissionMatrix(tr, 'permissions', listValue(values, 'permissions')),
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
    const form = formReader(tr, body);
    const password = readNewPassword(tr, form);
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
    const groupIds = form.list('groups');
    const permissions = form.list('permissions');
    const isActive = form.checkbox('is_active');
    const isSuperuser = form.checkbox('is_superuser');
    if (!groupIds.every((id) => /^\d{1,15}$/.test(id))) form.add('groups', tr.t('form.choice'));
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, CHANGE_FIELDS, async () => {
      await updateStaffUser(deps, record.id, {
        username,
        email,
        language,
        isActive,
        isSuperuser,
        groupIds: groupIds.map(Number),
        permissions,
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
          fieldsets: [{ fields: newPasswordFields(tr) }],
          submit: { label: tr.t('password.submit') },
        })}`,
    });
  };

  app.get<{ Params: Record<string, string> }>('/users/:id/password/', async (request, reply) => {
    requireSuperuser(request);
    const user = await loadUser(deps, serialIdOf(request.params));
    return passwordPage(request, reply, user, noErrors());
  });

  app.post<{ Params: Record<string, string> }>('/users/:id/password/', async (request, reply) => {
    requireSuperuser(request);
    const { tr, session } = adminContext(request);
    const user = await loadUser(deps, serialIdOf(request.params));
    const form = formReader(tr, asBody(request.body));
    const password = readNewPassword(tr, form);
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
