import { randomUUID } from 'node:crypto';
import { type ClientRecord, getClientRecord, listClientRecords } from '@adnova/core/admin/records';
import { deleteClient, upsertClients } from '@adnova/core/clients/clients';
import type { FastifyInstance } from 'fastify';
import { exists, type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import { type FormBody, type FormValues, formReader, textValue } from '../forms.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { uuidField } from '../views/fields.ts';
import type { Fieldset } from '../views/widgets.ts';

const GENDERS = ['MALE', 'FEMALE'] as const;

function fieldsets(tr: Translator, mode: string, values: FormValues): Fieldset[] {
  return [
    {
      fields: [
        uuidField(mode, {
          name: 'client_id',
          label: tr.t('field.id'),
          value: textValue(values, 'client_id'),
          help: tr.t('field.id.help'),
        }),
        {
          kind: 'text',
          name: 'login',
          label: tr.t('client.login'),
          value: textValue(values, 'login'),
          required: true,
          attrs: { maxlength: 1000 },
        },
        {
          kind: 'number',
          name: 'age',
          label: tr.t('client.age'),
          value: textValue(values, 'age'),
          required: true,
          attrs: { min: 0, max: 100, step: 1 },
        },
        {
          kind: 'text',
          name: 'location',
          label: tr.t('client.location'),
          value: textValue(values, 'location'),
          required: true,
          attrs: { maxlength: 1000 },
        },
        {
          kind: 'select',
          name: 'gender',
          label: tr.t('client.gender'),
          value: textValue(values, 'gender'),
          required: true,
          choices: [
            { value: '', label: '---------' },
            ...GENDERS.map((g) => ({ value: g, label: tr.t(`gender.${g}`) })),
          ],
        },
      ],
    },
  ];
}

/** Reads the form; undefined when a field is invalid (the errors are in `form`). */
function readClient(tr: Translator, body: FormBody) {
  const form = formReader(tr, body);
  const login = form.text('login', { max: 1000 });
  const age = form.integer('age', { min: 0, max: 100 });
  const location = form.text('location', { max: 1000 });
  const gender = form.choice('gender', GENDERS);
  const values = form.ok() && age !== null && gender !== null ? { login, age, location, gender } : undefined;
  return { form, values };
}

const names = ['client_id', 'login', 'age', 'location', 'gender'];

export const clientsModel: ModelAdmin<ClientRecord, ClientRecord> = {
  resource: 'client',
  path: 'clients',
  one: 'res.client.one',
  many: 'res.client.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('client.search'),
  columns: (tr) => [
    { label: tr.t('client.login'), sort: 'login', cell: (r) => r.login },
    { label: tr.t('field.id'), cell: (r) => r.id },
    { label: tr.t('client.age'), sort: 'age', cell: (r) => r.age, numeric: true },
    { label: tr.t('client.location'), sort: 'location', cell: (r) => r.location },
    { label: tr.t('client.gender'), sort: 'gender', cell: (r) => tr.t(`gender.${r.gender}`) },
  ],
  filterNames: ['gender'],
  filters: (tr) => [
    {
      name: 'gender',
      label: tr.t('client.gender'),
      choices: GENDERS.map((g) => ({ value: g, label: tr.t(`gender.${g}`) })),
    },
  ],
  list: (deps, params) => listClientRecords(deps, params),
  rowKey: (row) => row.id,
  get: (deps, params) => getClientRecord(deps, params.id ?? ''),
  recordKey: (record) => record.id,
  describe: (record) => record.login,
  values: (r) => ({
    client_id: r.id,
    login: r.login,
    age: String(r.age),
    location: r.location,
    gender: r.gender,
  }),
  fieldsets: (tr, mode, values) => fieldsets(tr, mode, values),
  async create(deps, tr, body) {
    const { form, values } = readClient(tr, body);
    const id = form.uuid('client_id', { required: false }) ?? randomUUID();
    if (!values || !form.ok()) return { errors: form.errors };
    if (await exists(getClientRecord(deps, id))) {
      form.add('client_id', tr.t('form.idTaken'));
      return { errors: form.errors };
    }
    return saving(tr, names, async () => {
      await upsertClients(deps, [{ client_id: id, ...values }]);
      return getClientRecord(deps, id);
    });
  },
  async update(deps, tr, body, record) {
    const { form, values } = readClient(tr, body);
    if (!values) return { errors: form.errors };
    return saving(tr, names, async () => {
      await upsertClients(deps, [{ client_id: record.id, ...values }]);
      return getClientRecord(deps, record.id);
    });
  },
  remove: (deps, record) => deleteClient(deps, record.id),
  consequences: (tr) => [tr.t('delete.client')],
};

/** Clients (spec §7.4): list, add, change, delete. */
export async function clientsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  registerModelAdmin(app, kit, clientsModel);
}
