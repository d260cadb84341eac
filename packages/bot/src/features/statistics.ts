import { mapLimited } from '@adnova/core/shared/concurrency';
import { Composer, InputFile } from 'grammy';
import type { AdnovaApi, Campaign, Stats } from '../api/adnova-api.ts';
import { CHART_MAX_DAYS, chartWindow, renderDailyChart } from '../chart/daily-chart.ts';
import type { BotContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { escapeHtml, formatCount, formatMoney, formatPercent, truncate } from '../format.ts';
import type { Lang, Messages } from '../i18n/i18n.ts';
import { requireAccount } from '../middlewares/context.ts';

/** Campaigns listed one by one; more would not fit one message (4096 characters). */
const LISTED_CAMPAIGNS = 20;
/** Statistics requests in flight at once for the per-campaign lines. */
const CONCURRENCY = 5;

export function statisticsText(
  advertiserName: string,
  totals: Stats,
  campaigns: { campaign: Campaign; stats: Stats }[],
  totalCampaigns: number,
  lang: Lang,
  m: Messages,
): string {
  const s = m.stats;
  const lines = [
    s.title(escapeHtml(advertiserName)),
    '',
    `${s.impressions}: ${formatCount(lang, totals.impressions_count)}`,
    `${s.clicks}: ${formatCount(lang, totals.clicks_count)}`,
    `${s.conversion}: ${formatPercent(lang, totals.conversion)}`,
    `${s.spentImpressions}: ${formatMoney(lang, totals.spent_impressions)}`,
    `${s.spentClicks}: ${formatMoney(lang, totals.spent_clicks)}`,
    `${s.spentTotal}: ${formatMoney(lang, totals.spent_total)}`,
    '',
  ];
  if (campaigns.length === 0) {
    lines.push(s.noCampaigns);
  } else {
    lines.push(s.perCampaign);
    for (const { campaign, stats } of campaigns) {
      lines.push(
        s.line(
          escapeHtml(truncate(campaign.ad_title, 60)),
          formatCount(lang, stats.impressions_count),
          formatCount(lang, stats.clicks_count),
          formatPercent(lang, stats.conversion),
          formatMoney(lang, stats.spent_total),
        ),
      );
    }
    if (totalCampaigns > campaigns.length) lines.push(s.more(totalCampaigns - campaigns.length));
  }
  return lines.join('\n');
}

async function perCampaign(api: AdnovaApi, advertiserId: string) {
  const { items, total } = await api.listCampaigns(advertiserId, 1, LISTED_CAMPAIGNS);
  const campaigns = await mapLimited(items, CONCURRENCY, async (campaign) => ({
    campaign,
    stats: await api.campaignStats(campaign.campaign_id),
  }));
  return { campaigns, total };
}

/**
 * `/statistics`: the advertiser's totals (spec §3.14) and per-campaign figures in one message,
 * then the daily impressions, clicks and spend (§3.16) of the latest `CHART_MAX_DAYS` days as a
 * chart image (only those days are requested, §8 #37).
 */
export function statisticsFeature(deps: BotDeps): Composer<BotContext> {
  const { api } = deps;
  const composer = new Composer<BotContext>();
  composer.command('statistics', async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const id = account.advertiser_id;
    const [totals, { campaigns, total }, daily] = await Promise.all([
      api.advertiserStats(id),
      perCampaign(api, id),
      api.currentDay().then((today) => api.advertiserDailyStats(id, chartWindow(today))),
    ]);
    await ctx.reply(statisticsText(account.advertiser_name, totals, campaigns, total, ctx.lang, ctx.m), {
      parse_mode: 'HTML',
    });

    await ctx.replyWithChatAction('upload_photo');
    const shown = daily.slice(-CHART_MAX_DAYS);
    const from = shown[0]?.date ?? 0;
    const to = shown.at(-1)?.date ?? 0;
    const caption = ctx.m.stats.chartCaption(from, to);
    const png = await renderDailyChart(shown, { ...ctx.m.stats.chartLegend, title: caption });
    await ctx.replyWithPhoto(new InputFile(png, 'statistics.png'), { caption });
  });
  return composer;
}
