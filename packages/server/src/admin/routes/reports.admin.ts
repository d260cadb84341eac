import { can } from '@adnova/core/admin/permissions';
import {
  deleteReport,
  deleteReports,
  getReport,
  listReports,
  REPORT_STATES,
  type ReportRecord,
  setReportState,
  setReportsState,
} from '@adnova/core/reports/reports';
import type { FastifyInstance } from 'fastify';
import { ADMIN, principalOf } from '../context.ts';
import { type ModelAdmin, registerModelAdmin, saving } from '../crud.ts';
import { formReader } from '../forms.ts';
import { html } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Kit } from '../render.ts';
import { booleanIcon, changeLink, formatTime, yesNo } from '../views/widgets.ts';

const stateLabel = (tr: Translator, state: string) =>
  REPORT_STATES.includes(state as ReportRecord['state'])
    ? tr.t(`report.state.${state as ReportRecord['state']}`)
    : state;

/** "client login > ad title", as the seed's queue shows a report (spec §7.4). */
function summary(tr: Translator, r: ReportRecord): string {
  return `${r.clientLogin ?? tr.t('report.clientDeleted')} > ${r.campaignTitle ?? tr.t('report.campaignDeleted')}`;
}

function excerpt(text: string | null, max = 80): string {
  if (text === null) return '—';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const reportsModel: ModelAdmin<ReportRecord, ReportRecord> = {
  resource: 'report',
  path: 'reports',
  one: 'res.report.one',
  many: 'res.report.many',
  idPattern: ':id',
  searchHint: (tr) => tr.t('report.search'),
  columns: (tr) => [
    { label: tr.t('report.summary'), sort: 'client', cell: (r) => summary(tr, r) },
    {
      label: tr.t('report.state'),
      sort: 'state',
      cell: (r) => html`<span class="state state-${r.state}">${stateLabel(tr, r.state)}</span>`,
    },
    { label: tr.t('report.flagged'), sort: 'flagged', cell: (r) => booleanIcon(tr, r.flaggedByLlm) },
    { label: tr.t('report.message'), cell: (r) => excerpt(r.message) },
    { label: tr.t('field.createdAt'), sort: 'created', cell: (r) => formatTime(r.createdAt) },
    {
      label: tr.t('report.campaign'),
      cell: (r) =>
        r.campaignId === null
          ? '—'
          : html`<a href="${ADMIN}/campaigns/${r.campaignId}/change/" class="changelink">${tr.t('report.openCampaign')}</a>`,
    },
  ],
  filterNames: ['state', 'flagged'],
  filters: (tr) => [
    {
      name: 'state',
      label: tr.t('report.state'),
      choices: REPORT_STATES.map((s) => ({ value: s, label: stateLabel(tr, s) })),
    },
    { name: 'flagged', label: tr.t('report.flagged'), choices: yesNo(tr, true) },
  ],
  list: (deps, params) => listReports(deps, params),
  rowKey: (row) => row.id,
  get: (deps, params) => getReport(deps, params.id ?? ''),
  recordKey: (r) => r.id,
  describe: (r) =>
    r.clientLogin === null && r.campaignTitle === null
      ? r.id
      : `${r.clientLogin ?? '—'} > ${r.campaignTitle ?? r.adTitle}`,
  values: (r) => ({ state: r.state }),
  fieldsets: (tr, _mode, values, r) => [
    {
      fields: [
        { kind: 'readonly', name: 'id', label: tr.t('field.id'), display: r?.id },
        {
          kind: 'readonly',
          name: 'campaign',
          label: tr.t('report.campaign'),
          display:
            r?.campaignId == null
              ? tr.t('report.campaignDeleted')
              : changeLink('campaigns', r.campaignId, r.campaignTitle),
        },
        {
          kind: 'readonly',
          name: 'client',
          label: tr.t('report.client'),
          display:
            r?.clientId == null
              ? tr.t('report.clientDeleted')
              : changeLink('clients', r.clientId, r.clientLogin),
        },
        { kind: 'readonly', name: 'message', label: tr.t('report.message'), display: r?.message ?? '—' },
        { kind: 'readonly', name: 'ad_title', label: tr.t('report.reportedTitle'), display: r?.adTitle },
        {
          kind: 'readonly',
          name: 'ad_text',
          label: tr.t('report.reportedText'),
          display: html`<div class="multiline">${r?.adText}</div>`,
        },
        {
          kind: 'readonly',
          name: 'flagged_by_llm',
          label: tr.t('report.flagged'),
          display: html`${booleanIcon(tr, r?.flaggedByLlm ?? null)} ${r?.flaggedByLlm === null ? tr.t('report.pending') : ''}`,
          help: tr.t('report.flagged.help'),
        },
        {
          kind: 'readonly',
          name: 'created_at',
          label: tr.t('field.createdAt'),
          display: formatTime(r?.createdAt),
        },
        {
          kind: 'radios',
          name: 'state',
          label: tr.t('report.state'),
          value: typeof values.state === 'string' ? values.state : undefined,
          required: true,
          choices: REPORT_STATES.map((s) => ({ value: s, label: stateLabel(tr, s) })),
        },
      ],
    },
  ],
  async update(deps, tr, body, record) {
    const form = formReader(tr, body);
    const state = form.choice('state', REPORT_STATES);
    if (!form.ok() || state === null) return { errors: form.errors };
    return saving(tr, ['state'], () => setReportState(deps, record.id, state));
  },
  remove: (deps, record) => deleteReport(deps, record.id),
  bulkActions: (tr) => [
    ...REPORT_STATES.map((state) => ({
      value: `state_${state}`,
      label: tr.t('report.markAs', { state: stateLabel(tr, state) }),
      permission: 'change' as const,
      run: (deps: Parameters<typeof setReportsState>[0], ids: string[]) => setReportsState(deps, ids, state),
      done: (t: Translator, count: number) => t.t('msg.bulkState', { count, state: stateLabel(t, state) }),
    })),
    {
      value: 'delete',
      label: tr.t('report.deleteSelected'),
      permission: 'delete' as const,
      confirm: true,
      run: (deps, ids) => deleteReports(deps, ids),
      done: (t, count) => t.t('msg.bulkDeleted', { count }),
    },
  ],
  extra(tr, r, request) {
    const principal = principalOf(request);
    if (r.campaignId === null) return '';
    return html`<div class="module related-links">
      <h2>${tr.t('report.moderate')}</h2>
      <ul>
        ${
          can(principal, 'campaign', 'change') || can(principal, 'campaign', 'view')
            ? html`<li><a href="${ADMIN}/campaigns/${r.campaignId}/change/" class="changelink">${tr.t('report.editCampaign')}</a></li>`
            : ''
        }
        ${
          can(principal, 'campaign', 'delete')
            ? html`<li><a href="${ADMIN}/campaigns/${r.campaignId}/delete/" class="deletelink">${tr.t('report.deleteCampaign')}</a></li>`
            : ''
        }
      </ul>
    </div>`;
  },
};

/** The moderation queue (spec §7.3, §7.4): only the state is editable; bulk state changes. */
export async function reportsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  registerModelAdmin(app, kit, reportsModel);
}
