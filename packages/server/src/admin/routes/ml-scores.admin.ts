import { getMlScoreRecord, listMlScoreRecords, type MlScoreRecord } from '@adnova/core/admin/records';
import { AppError } from '@adnova/core/errors';
import { deleteMlScore, setMlScore } from '@adnova/core/ml-scores/ml-scores';
import { MAX_INT32 } from '@adnova/core/shared/schema';
import type { FastifyInstance } from 'fastify';
import { exists, type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import { type FormValues, formReader, textValue } from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { uuidField } from '../views/fields.ts';
import { changeLink, type Fieldset, linkedFilter } from '../views/widgets.ts';

const FIELDS = ['client_id', 'advertiser_id', 'score'];

function fieldsets(
  tr: Translator,
  mode: string,
  values: FormValues,
  record: MlScoreRecord | undefined,
): Fieldset[] {
  return [
    {
      fields: [
        uuidField(mode, {
          name: 'client_id',
          label: tr.t('mlscore.client'),
          value: textValue(values, 'client_id'),
          required: true,
          help: tr.t('mlscore.client.help'),
          display: html`${changeLink('clients', record?.clientId ?? '', record?.clientLogin)} (${record?.clientId})`,
        }),
        uuidField(mode, {
          name: 'advertiser_id',
          label: tr.t('mlscore.advertiser'),
          value: textValue(values, 'advertiser_id'),
          required: true,
          help: tr.t('mlscore.advertiser.help'),
          display: html`${changeLink('advertisers', record?.advertiserId ?? '', record?.advertiserName)} (${record?.advertiserId})`,
        }),
        {
          kind: 'number',
          name: 'score',
          label: tr.t('mlscore.score'),
          value: textValue(values, 'score'),
          required: true,
          help: tr.t('mlscore.score.help'),
          attrs: { min: 0, max: MAX_INT32, step: 1 },
        },
      ],
    },
  ];
}

export const mlScoresModel: ModelAdmin<MlScoreRecord, MlScoreRecord> = {
  resource: 'mlscore',
  path: 'ml-scores',
  one: 'res.mlscore.one',
  many: 'res.mlscore.many',
  idPattern: ':clientId/:advertiserId',
  searchHint: (tr) => tr.t('mlscore.search'),
  columns: (tr) => [
    { label: tr.t('mlscore.pair'), cell: (r) => `${r.clientLogin} → ${r.advertiserName}` },
    { label: tr.t('mlscore.client'), sort: 'client', cell: (r) => r.clientLogin },
    { label: tr.t('mlscore.advertiser'), sort: 'advertiser', cell: (r) => r.advertiserName },
    { label: tr.t('mlscore.score'), sort: 'score', cell: (r) => r.score, numeric: true },
  ],
  filterNames: ['advertiser', 'client'],
  filters: (tr, current) => [
    ...linkedFilter('advertiser', tr.t('mlscore.advertiser'), current),
    ...linkedFilter('client', tr.t('mlscore.client'), current),
  ],
  list: (deps, params) => listMlScoreRecords(deps, params),
  rowKey: (row) => `${row.clientId}/${row.advertiserId}`,
  get: (deps, params) => getMlScoreRecord(deps, params.clientId ?? '', params.advertiserId ?? ''),
  recordKey: (r) => `${r.clientId}/${r.advertiserId}`,
  describe: (r) => `${r.clientLogin} → ${r.advertiserName}`,
  values: (r) => ({ client_id: r.clientId, advertiser_id: r.advertiserId, score: String(r.score) }),
  fieldsets,
  async create(deps, tr, body) {
    const form = formReader(tr, body);
    const clientId = form.uuid('client_id');
    const advertiserId = form.uuid('advertiser_id');
    const score = form.integer('score', { min: 0, max: MAX_INT32 });
    if (!form.ok() || clientId === null || advertiserId === null || score === null)
      return { errors: form.errors };
    if (await exists(getMlScoreRecord(deps, clientId, advertiserId))) {
      form.errors.nonField.push(tr.t('mlscore.exists'));
      return { errors: form.errors };
    }
    try {
      return await saving(tr, FIELDS, async () => {
        await setMlScore(deps, { client_id: clientId, advertiser_id: advertiserId, score });
        return getMlScoreRecord(deps, clientId, advertiserId);
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'NOT_FOUND') throw error;
      form.errors.nonField.push(tr.t('mlscore.missingParty'));
      return { errors: form.errors };
    }
  },
  async update(deps, tr, body, record) {
    const form = formReader(tr, body);
    const score = form.integer('score', { min: 0, max: MAX_INT32 });
    if (!form.ok() || score === null) return { errors: form.errors };
    return saving(tr, FIELDS, async () => {
      await setMlScore(deps, { client_id: record.clientId, advertiser_id: record.advertiserId, score });
      return getMlScoreRecord(deps, record.clientId, record.advertiserId);
    });
  },
  remove: (deps, record) => deleteMlScore(deps, record.clientId, record.advertiserId),
  consequences: (tr) => [tr.t('delete.mlscore')],
};

/** ML scores (spec §7.4): list, add, change the score, delete. */
export async function mlScoresAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  registerModelAdmin(app, kit, mlScoresModel);
}
