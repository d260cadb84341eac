import {
  getAdvertiserRecord,
  listAdvertiserCampaignTitles,
  listCampaignRecords,
} from '@adnova/core/admin/records';
import {
  getAdvertiserDailyStats,
  getAdvertiserStats,
  getCampaignDailyStats,
  getCampaignStats,
} from '@adnova/core/stats/stats';
import type { DailySeries, Stats } from '@adnova/core/stats/stats.schema';
import type { FastifyInstance } from 'fastify';
import { ADMIN, adminContext, requirePermission } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { readListQuery } from '../list-params.ts';
import { type Kit, sendPage } from '../render.ts';
import { lineChart } from '../views/charts.ts';
import { capitalize } from '../views/nav.ts';
import { withQuery } from '../views/widgets.ts';

const CAMPAIGNS_PER_PAGE = 20;

function formatNumber(locale: string, value: number, digits = 2): string {
  return value.toLocaleString(locale === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: digits });
}

/**
 * The page numbers a paginator links: the first, the last and two either side of the current one,
 * `undefined` marking a gap. At most 7 numbers however many pages there are (one link per page
 * made the page grow with the advertiser's campaigns).
 */
export function pageLinks(current: number, pages: number): (number | undefined)[] {
  const wanted = new Set([1, pages]);
  for (let p = current - 2; p <= current + 2; p++) if (p >= 1 && p <= pages) wanted.add(p);
  const links: (number | undefined)[] = [];
  let previous = 0;
  for (const p of [...wanted].sort((a, b) => a - b)) {
    if (p > previous + 1) links.push(undefined);
    links.push(p);
    previous = p;
  }
  return links;
}

function totalsTable(tr: Translator, stats: Stats, caption: string): SafeHtml {
  const n = (v: number, d = 2) => formatNumber(tr.locale, v, d);
  return html`<table class="stats-totals">
    <caption>${caption}</caption>
    <tbody>
      <tr><th scope="row">${tr.t('stats.impressions')}</th><td class="numeric">${n(stats.impressions_count, 0)}</td></tr>
      <tr><th scope="row">${tr.t('stats.clicks')}</th><td class="numeric">${n(stats.clicks_count, 0)}</td></tr>
      <tr><th scope="row">${tr.t('stats.conversion')}</th><td class="numeric">${n(stats.conversion)}</td></tr>
      <tr><th scope="row">${tr.t('stats.spentImpressions')}</th><td class="numeric">${n(stats.spent_impressions, 9)}</td></tr>
      <tr><th scope="row">${tr.t('stats.spentClicks')}</th><td class="numeric">${n(stats.spent_clicks, 9)}</td></tr>
      <tr><th scope="row">${tr.t('stats.spentTotal')}</th><td class="numeric">${n(stats.spent_total, 9)}</td></tr>
    </tbody>
  </table>`;
}

/**
 * Two charts (events, spend) and the numbers behind them in a collapsible table, over the same
 * window as the API's daily series (the latest `MAX_DAILY_DAYS` days; spec §8 #37), which says
 * which days it shows when the series was cut.
 */
function dailyCharts(tr: Translator, { days: daily, total }: DailySeries, id: string): SafeHtml {
  const days = daily.map((d) => d.date);
  const money = (v: number) => formatNumber(tr.locale, v);
  const first = daily[0];
  const last = daily.at(-1);
  return html`<div class="charts" id="${id}">
    ${
      first && last && total > daily.length
        ? html`<p class="stats-window">${tr.t('stats.days', { from: first.date, to: last.date })}</p>`
        : ''
    }
    ${lineChart({
      title: tr.t('stats.dailyEvents'),
      days,
      xLabel: tr.t('stats.day'),
      emptyText: tr.t('stats.noData'),
      format: (v) => formatNumber(tr.locale, v, 1),
      series: [
        { label: tr.t('stats.impressions'), values: daily.map((d) => d.impressions_count) },
        { label: tr.t('stats.clicks'), values: daily.map((d) => d.clicks_count) },
      ],
    })}
    ${lineChart({
      title: tr.t('stats.dailySpend'),
      days,
      xLabel: tr.t('stats.day'),
      emptyText: tr.t('stats.noData'),
      format: money,
      series: [
        { label: tr.t('stats.spentImpressions'), values: daily.map((d) => d.spent_impressions) },
        { label: tr.t('stats.spentClicks'), values: daily.map((d) => d.spent_clicks) },
        { label: tr.t('stats.spentTotal'), values: daily.map((d) => d.spent_total) },
      ],
    })}
    ${
      daily.length > 0
        ? html`<details class="stats-data"><summary>${tr.t('stats.table')}</summary>
          <table>
            <thead><tr>
              <th scope="col">${tr.t('stats.day')}</th><th scope="col">${tr.t('stats.impressions')}</th>
              <th scope="col">${tr.t('stats.clicks')}</th><th scope="col">${tr.t('stats.conversion')}</th>
              <th scope="col">${tr.t('stats.spentImpressions')}</th><th scope="col">${tr.t('stats.spentClicks')}</th>
              <th scope="col">${tr.t('stats.spentTotal')}</th>
            </tr></thead>
            <tbody>${daily.map(
              (d) => html`<tr><th scope="row">${d.date}</th><td class="numeric">${d.impressions_count}</td>
                <td class="numeric">${d.clicks_count}</td><td class="numeric">${money(d.conversion)}</td>
                <td class="numeric">${formatNumber(tr.locale, d.spent_impressions, 9)}</td>
                <td class="numeric">${formatNumber(tr.locale, d.spent_clicks, 9)}</td>
                <td class="numeric">${formatNumber(tr.locale, d.spent_total, 9)}</td></tr>`,
            )}</tbody>
          </table></details>`
        : ''
    }
  </div>`;
}

/**
 * An advertiser's statistics with charts (issue 6): totals and daily series for the advertiser,
 * the same for one chosen campaign, and a paged table of every campaign's totals, all from the
 * stats domain functions the API serves.
 */
export async function statsAdmin(app: FastifyInstance, { kit }: { kit: Kit }): Promise<void> {
  const { deps } = kit;

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/advertisers/:id/stats/',
    async (request, reply) => {
      requirePermission(request, 'advertiser', 'view');
      const { tr } = adminContext(request);
      const advertiser = await getAdvertiserRecord(deps, request.params.id);
      const { params, current } = readListQuery(request.query, []);
      const wanted =
        typeof request.query.campaign === 'string' ? request.query.campaign.toLowerCase() : undefined;
      const campaigns = await listAdvertiserCampaignTitles(deps, advertiser.id, wanted);
      const selected = campaigns.find((c) => c.id === wanted) ?? campaigns[0];
      const [totals, daily, page] = await Promise.all([
        getAdvertiserStats(deps, advertiser.id),
        getAdvertiserDailyStats(deps, advertiser.id),
        listCampaignRecords(deps, {
          page: params.page,
          perPage: CAMPAIGNS_PER_PAGE,
          sort: '-created',
          filters: { advertiser: advertiser.id },
        }),
      ]);
      const [campaignTotals, campaignDaily, rowTotals] = await Promise.all([
        selected ? getCampaignStats(deps, selected.id) : undefined,
        selected ? getCampaignDailyStats(deps, selected.id) : undefined,
        Promise.all(page.rows.map((row) => getCampaignStats(deps, row.id))),
      ]);
      const base = `${ADMIN}/advertisers/${advertiser.id}/stats/`;
      const n = (v: number, d = 2) => formatNumber(tr.locale, v, d);
      return sendPage(request, reply, {
        title: tr.t('stats.title', { name: advertiser.name }),
        breadcrumbs: [
          { label: capitalize(tr.t('res.advertiser.many')), href: `${ADMIN}/advertisers/` },
          { label: advertiser.name, href: `${ADMIN}/advertisers/${advertiser.id}/change/` },
          { label: tr.t('stats.link') },
        ],
        content: html`<section class="module stats-section" aria-labelledby="advertiser-stats">
          <h2 id="advertiser-stats">${tr.t('stats.advertiserTotals')}</h2>
          <div class="stats-row">
            ${totalsTable(tr, totals, tr.t('stats.totals'))}
            ${dailyCharts(tr, daily, 'advertiser-charts')}
          </div>
        </section>
        <section class="module stats-section" aria-labelledby="campaign-stats">
          <h2 id="campaign-stats">${tr.t('stats.campaign')}</h2>
          ${
            selected && campaignTotals && campaignDaily
              ? html`<form method="get" action="${base}" class="campaign-picker">
                  <label for="id_campaign">${tr.t('stats.pickCampaign')}</label>
                  <select name="campaign" id="id_campaign">
                    ${campaigns.map((c) => html`<option value="${c.id}"${c.id === selected.id ? html` selected` : ''}>${c.adTitle} (${tr.t('stats.days', { from: c.startDate, to: c.endDate })})</option>`)}
                  </select>
                  <input type="submit" value="${tr.t('list.apply')}">
                </form>
                <h3><a href="${ADMIN}/campaigns/${selected.id}/change/">${selected.adTitle}</a></h3>
                <div class="stats-row">
                  ${totalsTable(tr, campaignTotals, tr.t('stats.totals'))}
                  ${dailyCharts(tr, campaignDaily, 'campaign-charts')}
                </div>`
              : html`<p>${tr.t('stats.noCampaigns')}</p>`
          }
        </section>
        <section class="module stats-section" aria-labelledby="per-campaign">
          <h2 id="per-campaign">${tr.t('stats.perCampaign')}</h2>
          <table class="per-campaign">
            <thead><tr>
              <th scope="col">${tr.t('campaign.field.ad_title')}</th>
              <th scope="col">${tr.t('stats.impressions')}</th><th scope="col">${tr.t('stats.clicks')}</th>
              <th scope="col">${tr.t('stats.conversion')}</th><th scope="col">${tr.t('stats.spentImpressions')}</th>
              <th scope="col">${tr.t('stats.spentClicks')}</th><th scope="col">${tr.t('stats.spentTotal')}</th>
            </tr></thead>
            <tbody>
              ${page.rows.map((row, i) => {
                const s = rowTotals[i];
                return html`<tr>
                  <th scope="row"><a href="${withQuery(base, { campaign: row.id })}">${row.adTitle}</a></th>
                  <td class="numeric">${n(s?.impressions_count ?? 0, 0)}</td><td class="numeric">${n(s?.clicks_count ?? 0, 0)}</td>
                  <td class="numeric">${n(s?.conversion ?? 0)}</td><td class="numeric">${n(s?.spent_impressions ?? 0, 9)}</td>
                  <td class="numeric">${n(s?.spent_clicks ?? 0, 9)}</td><td class="numeric">${n(s?.spent_total ?? 0, 9)}</td>
                </tr>`;
              })}
            </tbody>
          </table>
          <p class="paginator">
            ${page.pages > 1 ? pageLinks(page.page, page.pages).map((p) => (p === undefined ? html`<span class="ellipsis">…</span> ` : p === page.page ? html`<span class="this-page" aria-current="page">${p}</span> ` : html`<a href="${withQuery(base, { ...current, ...(selected && { campaign: selected.id }), p: String(p) })}">${p}</a> `)) : ''}
            <span class="count">${tr.t('list.results', { count: page.total })}</span>
          </p>
        </section>`,
      });
    },
  );
}
