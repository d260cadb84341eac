import { type EventRecord, getEventRecord, listEventRecords } from '@adnova/core/admin/records';
import type { FastifyInstance } from 'fastify';
import { type ModelAdmin, registerModelAdmin } from '../crud.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { changeLink, formatMoney, formatTime, linkedFilter } from '../views/widgets.ts';

/** Impressions and clicks are facts: listed and viewed, never edited here (issue 6). */
function eventModel(
  table: 'impressions' | 'clicks',
  resource: 'impression' | 'click',
  one: MessageKey,
  many: MessageKey,
): ModelAdmin<EventRecord, EventRecord> {
  return {
    resource,
    path: table,
    one,
    many,
    idPattern: ':id',
    searchHint: (tr) => tr.t('event.search'),
    columns: (tr) => [
      { label: tr.t('field.id'), sort: 'id', cell: (r) => r.id, numeric: true },
      { label: tr.t('event.campaign'), sort: 'campaign', cell: (r) => r.campaignTitle },
      { label: tr.t('event.client'), sort: 'client', cell: (r) => r.clientLogin },
      { label: tr.t('event.date'), sort: 'date', cell: (r) => r.date, numeric: true },
      { label: tr.t('event.price'), sort: 'price', cell: (r) => formatMoney(r.price), numeric: true },
      { label: tr.t('field.createdAt'), cell: (r) => formatTime(r.createdAt) },
    ],
    filterNames: ['campaign', 'client', 'date'],
    filters: (tr, current) => [
      ...linkedFilter('campaign', tr.t('event.campaign'), current),
      ...linkedFilter('client', tr.t('event.client'), current),
      ...linkedFilter('date', tr.t('event.date'), current),
    ],
    list: (deps, params) => listEventRecords(deps, table, params),
    rowKey: (row) => String(row.id),
    get: (deps, params) => getEventRecord(deps, table, params.id ?? ''),
    recordKey: (record) => String(record.id),
    describe: (record) => `${record.clientLogin} → ${record.campaignTitle} (#${record.id})`,
    values: (record) => ({
      id: String(record.id),
      date: String(record.date),
      price: formatMoney(record.price),
    }),
    fieldsets: (tr, _mode, _values, record) => [
      {
        fields: [
          { kind: 'readonly', name: 'id', label: tr.t('field.id'), display: record?.id },
          {
            kind: 'readonly',
            name: 'campaign',
            label: tr.t('event.campaign'),
            display: record && changeLink('campaigns', record.campaignId, record.campaignTitle),
          },
          {
            kind: 'readonly',
            name: 'client',
            label: tr.t('event.client'),
            display: record && changeLink('clients', record.clientId, record.clientLogin),
          },
          { kind: 'readonly', name: 'date', label: tr.t('event.date'), display: record?.date },
          {
            kind: 'readonly',
            name: 'price',
            label: tr.t('event.price'),
            display: record && formatMoney(record.price),
          },
          {
            kind: 'readonly',
            name: 'created_at',
            label: tr.t('field.createdAt'),
            display: formatTime(record?.createdAt),
          },
        ],
      },
    ],
  };
}

export async function eventsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  registerModelAdmin(
    app,
    kit,
    eventModel('impressions', 'impression', 'res.impression.one', 'res.impression.many'),
  );
  registerModelAdmin(app, kit, eventModel('clicks', 'click', 'res.click.one', 'res.click.many'));
}
