import {
  createGroup,
  deleteGroup,
  getGroup,
  listGroups,
  type StaffGroupDetail,
  type StaffGroupListRow,
  updateGroup,
} from '@adnova/core/admin/groups';
import type { FastifyInstance } from 'fastify';
import { ADMIN } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving, serialIdOf } from '../crud.ts';
import { type FormBody, formReader, listValue, textValue } from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { permissionMatrix } from '../views/permissions.ts';

function readGroup(tr: Translator, body: FormBody) {
  const form = formReader(tr, body);
  const name = form.text('name', { max: 150 });
  return { form, input: { name, permissions: form.list('permissions') } };
}

export const groupsModel: ModelAdmin<StaffGroupListRow, StaffGroupDetail> = {
  resource: 'superuser',
  path: 'groups',
  one: 'res.group.one',
  many: 'res.group.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('group.search'),
  columns: (tr) => [
    { label: tr.t('group.name'), sort: 'name', cell: (r) => r.name },
    {
      label: tr.t('group.members'),
      cell: (r) => html`<a href="${ADMIN}/users/?group=${r.id}">${r.members}</a>`,
      numeric: true,
    },
    { label: tr.t('group.permissions'), cell: (r) => r.permissions, numeric: true },
  ],
  filterNames: [],
  filters: () => [],
  list: (deps, params) => listGroups(deps, params),
  rowKey: (row) => String(row.id),
  get: (deps, params) => getGroup(deps, serialIdOf(params)),
  recordKey: (g) => String(g.id),
  describe: (g) => g.name,
  values: (g) => ({ name: g.name, permissions: g.permissions }),
  fieldsets(tr, _mode, values) {
    return [
      {
        fields: [
          {
            kind: 'text',
            name: 'name',
            label: tr.t('group.name'),
            value: textValue(values, 'name'),
            required: true,
            attrs: { maxlength: 150 },
          },
          {
            kind: 'custom',
            name: 'permissions',
            label: tr.t('group.permissions'),
            widget: permissionMatrix(tr, 'permissions', listValue(values, 'permissions')),
          },
        ],
      },
    ];
  },
  async create(deps, tr, body) {
    const { form, input } = readGroup(tr, body);
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, ['name', 'permissions'], () => createGroup(deps, input));
  },
  async update(deps, tr, body, record) {
    const { form, input } = readGroup(tr, body);
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, ['name', 'permissions'], () => updateGroup(deps, record.id, input));
  },
  remove: (deps, record) => deleteGroup(deps, record.id),
  consequences: (tr) => [tr.t('delete.group')],
};

/** Groups of staff with shared permissions, for superusers only. */
export async function groupsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  registerModelAdmin(app, kit, groupsModel);
}
