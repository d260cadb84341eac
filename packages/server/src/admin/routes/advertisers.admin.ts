import { randomUUID } from 'node:crypto';
import { can } from '@adnova/core/admin/permissions';
import {
  type AdvertiserRecord,
  getAdvertiserRecord,
  listAdvertiserRecords,
} from '@adnova/core/admin/records';
import { createAdvertiser, deleteAdvertiser, upsertAdvertisers } from '@adnova/core/advertisers/advertisers';
import { AppError } from '@adnova/core/errors';
import { createLinkCode } from '@adnova/core/telegram/telegram';
import type { FastifyInstance } from 'fastify';
import { ADMIN, adminContext, principalOf, requirePermission } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import { type FormValues, formReader, textValue } from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { csrfToken, type Kit, sendPage } from '../render.ts';
import { uuidField } from '../views/fields.ts';
import { capitalize } from '../views/nav.ts';
import { changeLink, type Fieldset, formatTime } from '../views/widgets.ts';

const FIELDS = ['advertiser_id', 'name'];

function fieldsets(tr: Translator, mode: string, values: FormValues): Fieldset[] {
  return [
    {
      fields: [
        uuidField(mode, {
          name: 'advertiser_id',
          label: tr.t('field.id'),
          value: textValue(values, 'advertiser_id'),
          help: tr.t('field.id.help'),
        }),
        {
          kind: 'text',
          name: 'name',
          label: tr.t('advertiser.name'),
          value: textValue(values, 'name'),
          required: true,
          attrs: { maxlength: 1000 },
        },
      ],
    },
  ];
}

export const advertisersModel: ModelAdmin<AdvertiserRecord, AdvertiserRecord> = {
  resource: 'advertiser',
  path: 'advertisers',
  one: 'res.advertiser.one',
  many: 'res.advertiser.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('advertiser.search'),
  columns: (tr) => [
    { label: tr.t('advertiser.name'), sort: 'name', cell: (r) => r.name },
    { label: tr.t('field.id'), cell: (r) => r.id },
    {
      label: capitalize(tr.t('res.campaign.many')),
      cell: (r) => html`<a href="${ADMIN}/campaigns/?advertiser=${r.id}">${r.campaigns}</a>`,
      numeric: true,
    },
    {
      label: tr.t('stats.link'),
      cell: (r) => html`<a href="${ADMIN}/advertisers/${r.id}/stats/">${tr.t('stats.link')}</a>`,
    },
  ],
  filterNames: [],
  filters: () => [],
  list: (deps, params) => listAdvertiserRecords(deps, params),
  rowKey: (row) => row.id,
  get: (deps, params) => getAdvertiserRecord(deps, params.id ?? ''),
  recordKey: (record) => record.id,
  describe: (record) => record.name,
  values: (r) => ({ advertiser_id: r.id, name: r.name }),
  fieldsets: (tr, mode, values) => fieldsets(tr, mode, values),
  async create(deps, tr, body) {
    const form = formReader(tr, body);
    const id = form.uuid('advertiser_id', { required: false }) ?? randomUUID();
    const name = form.text('name', { max: 1000 });
    if (!form.ok()) return { errors: form.errors };
    try {
      // One insert that fails on a taken id: two concurrent creates of one id cannot both "succeed".
      await createAdvertiser(deps, { advertiser_id: id, name });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
      form.add('advertiser_id', tr.t('form.idTaken'));
      return { errors: form.errors };
    }
    return { record: await getAdvertiserRecord(deps, id) };
  },
  async update(deps, tr, body, record) {
    const form = formReader(tr, body);
    const name = form.text('name', { max: 1000 });
    if (!form.ok()) return { errors: form.errors };
    return saving(tr, FIELDS, async () => {
      await upsertAdvertisers(deps, [{ advertiser_id: record.id, name }]);
      return getAdvertiserRecord(deps, record.id);
    });
  },
  remove: (deps, record) => deleteAdvertiser(deps, record.id),
  consequences: (tr, record) => [tr.t('delete.advertiser', { campaigns: record.campaigns })],
  extra: (tr, record, request, reply) => {
    const principal = principalOf(request);
    return html`<div class="module related-links">
      <h2>${tr.t('advertiser.related')}</h2>
      <ul>
        <li><a href="${ADMIN}/advertisers/${record.id}/stats/">${tr.t('stats.link')}</a></li>
        ${can(principal, 'campaign', 'view') || can(principal, 'campaign', 'change') ? html`<li><a href="${ADMIN}/campaigns/?advertiser=${record.id}">${capitalize(tr.t('res.campaign.many'))} (${record.campaigns})</a></li>` : ''}
        ${can(principal, 'mlscore', 'view') || can(principal, 'mlscore', 'change') ? html`<li><a href="${ADMIN}/ml-scores/?advertiser=${record.id}">${capitalize(tr.t('res.mlscore.many'))}</a></li>` : ''}
      </ul>
    </div>
    ${
      can(principal, 'advertiser', 'change')
        ? html`<div class="module telegram-code">
            <h2>Telegram</h2>
            <form method="post" action="${ADMIN}/advertisers/${record.id}/telegram-code/" class="inline">
              <input type="hidden" name="_csrf" value="${csrfToken(reply)}">
              <p class="help">${tr.t('telegram.help')}</p>
              <button type="submit" class="button">${tr.t('telegram.issue')}</button>
            </form>
          </div>`
        : ''
    }`;
  },
};

/**
 * Advertisers (spec §7.4): list, add, change, delete, a link to their statistics, and one-time
 * Telegram link codes (issue 7's `createLinkCode`), shown once on the page that issues them.
 */
export async function advertisersAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  const { deps } = kit;
  registerModelAdmin(app, kit, advertisersModel);

  app.post<{ Params: { id: string } }>('/advertisers/:id/telegram-code/', async (request, reply) => {
    requirePermission(request, 'advertiser', 'change');
    const { tr } = adminContext(request);
    const advertiser = await getAdvertiserRecord(deps, request.params.id);
    const link = await createLinkCode(deps, advertiser.id);
    return sendPage(request, reply, {
      title: tr.t('telegram.title'),
      breadcrumbs: [
        { label: capitalize(tr.t('res.advertiser.many')), href: `${ADMIN}/advertisers/` },
        { label: advertiser.name, href: `${ADMIN}/advertisers/${advertiser.id}/change/` },
        { label: tr.t('telegram.title') },
      ],
      content: html`<p>${tr.t('telegram.sendCode', { name: advertiser.name, time: formatTime(new Date(link.expires_at)) })}</p>
        <p class="link-code"><code>${link.code}</code></p>
        <p class="help">${tr.t('telegram.once')}</p>
        <p>${changeLink('advertisers', advertiser.id, advertiser.name)}</p>`,
    });
  });
}
