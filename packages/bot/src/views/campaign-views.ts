import { CAMPAIGN_FIELD_NAMES, type CampaignField } from '@adnova/core/campaigns/campaign-rules';
import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { AdnovaApi, Campaign, Stats } from '../api/adnova-api.ts';
import { escapeHtml, formatCount, formatMoney, formatPercent, truncate } from '../format.ts';
import type { Lang, Messages } from '../i18n/i18n.ts';
import { displayValue, targetingSummary } from './fields.ts';

/**
 * The campaign fields the card's own lines show. Any other field of `CAMPAIGN_FIELDS` (a new one)
 * gets a line of its own, `Name: value`, so it is on the card without a change here.
 */
const CARD_LINES_SHOW: ReadonlySet<CampaignField> = new Set([
  'ad_title',
  'ad_text',
  'start_date',
  'end_date',
  'impressions_limit',
  'clicks_limit',
  'cost_per_impression',
  'cost_per_click',
]);

/**
 * Callback data of the campaign screens (Telegram allows 64 bytes; a UUID is 36). Dialog buttons
 * use their own `d:` prefix (`dialog.ts`).
 */
export const CB = {
  list: (page: number) => `cl:${page}`,
  card: (id: string) => `cc:${id}`,
  create: 'cn',
  edit: (id: string) => `ce:${id}`,
  generate: (id: string) => `cg:${id}`,
  uploadImage: (id: string) => `ci:${id}`,
  showImage: (id: string) => `cv:${id}`,
  deleteImage: (id: string) => `cx:${id}`,
  askDelete: (id: string) => `cd:${id}`,
  confirmDelete: (id: string) => `cy:${id}`,
} as const;

/** Matches `<prefix>:<uuid>` callback data; the UUID is group 1. */
export const idCallback = (prefix: string): RegExp =>
  new RegExp(`^${prefix}:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`);

/** A screen: HTML text and its buttons, plain data (dialogs store it between updates). */
export type View = { text: string; reply_markup: InlineKeyboardMarkup };

const view = (text: string, keyboard: InlineKeyboard): View => ({
  text,
  reply_markup: { inline_keyboard: keyboard.inline_keyboard },
});

/** Campaigns per list page: short enough to read on a phone without scrolling. */
export const PAGE_SIZE = 5;

export type CampaignStatus = 'scheduled' | 'active' | 'ended';
export const campaignStatus = (
  c: Pick<Campaign, 'start_date' | 'end_date'>,
  today: number,
): CampaignStatus => (today < c.start_date ? 'scheduled' : today > c.end_date ? 'ended' : 'active');

const STATUS_ICON: Record<CampaignStatus, string> = { scheduled: '🕒', active: '🟢', ended: '⚪' };

export async function listView(
  api: AdnovaApi,
  advertiserId: string,
  requestedPage: number,
  m: Messages,
): Promise<View> {
  let page = Math.max(1, requestedPage);
  let { items, total } = await api.listCampaigns(advertiserId, page, PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // The last page can empty out under the user (deletions): show the new last page instead.
  if (items.length === 0 && page > pages) {
    page = pages;
    ({ items, total } = await api.listCampaigns(advertiserId, page, PAGE_SIZE));
  }
  const today = await api.currentDay();
  const keyboard = new InlineKeyboard().text(m.list.create, CB.create).row();
  for (const c of items) {
    const label = `${STATUS_ICON[campaignStatus(c, today)]} ${truncate(c.ad_title, 36)} · ${c.start_date}–${c.end_date}`;
    keyboard.text(label, CB.card(c.campaign_id)).row();
  }
  if (pages > 1) {
    if (page > 1) keyboard.text(m.list.previous, CB.list(page - 1));
    if (page < pages) keyboard.text(m.list.next, CB.list(page + 1));
  }
  return view(m.list.title(total, page, pages), keyboard);
}

export function statsLines(stats: Stats, lang: Lang, m: Messages): string[] {
  return [
    m.card.stats(
      formatCount(lang, stats.impressions_count),
      formatCount(lang, stats.clicks_count),
      formatPercent(lang, stats.conversion),
    ),
    m.card.spent(
      formatMoney(lang, stats.spent_impressions),
      formatMoney(lang, stats.spent_clicks),
      formatMoney(lang, stats.spent_total),
    ),
  ];
}

/** A campaign's card: every field, its status today, and its statistics (spec §7.5, §8 #34). */
export function cardText(campaign: Campaign, stats: Stats, today: number, lang: Lang, m: Messages): string {
  return [
    `<b>${escapeHtml(truncate(campaign.ad_title, 300))}</b>`,
    escapeHtml(truncate(campaign.ad_text, 2500)),
    '',
    `${m.card.id}: <code>${campaign.campaign_id}</code>`,
    m.card.status(m.status[campaignStatus(campaign, today)], today),
    m.card.days(campaign.start_date, campaign.end_date),
    m.card.limits(formatCount(lang, campaign.impressions_limit), formatCount(lang, campaign.clicks_limit)),
    m.card.costs(formatMoney(lang, campaign.cost_per_impression), formatMoney(lang, campaign.cost_per_click)),
    ...CAMPAIGN_FIELD_NAMES.filter((field) => !CARD_LINES_SHOW.has(field)).map(
      (field) => `${m.fields[field]}: ${displayValue(field, campaign[field], lang, m)}`,
    ),
    m.card.targeting(targetingSummary(campaign.targeting, m)),
    m.card.image(campaign.ad_image !== null),
    '',
    m.card.statsTitle,
    ...statsLines(stats, lang, m),
  ].join('\n');
}

export function cardKeyboard(campaign: Campaign, m: Messages): InlineKeyboard {
  const id = campaign.campaign_id;
  const keyboard = new InlineKeyboard()
    .text(m.card.edit, CB.edit(id))
    .text(m.card.generate, CB.generate(id))
    .row()
    .text(m.card.uploadImage, CB.uploadImage(id));
  if (campaign.ad_image !== null) {
    keyboard.text(m.card.showImage, CB.showImage(id)).row().text(m.card.deleteImage, CB.deleteImage(id));
  }
  return keyboard.text(m.card.delete, CB.askDelete(id)).row().text(m.card.back, CB.list(1));
}

export async function cardView(
  api: AdnovaApi,
  advertiserId: string,
  campaignId: string,
  lang: Lang,
  m: Messages,
): Promise<View> {
  const [campaign, stats, today] = await Promise.all([
    api.getCampaign(advertiserId, campaignId),
    api.campaignStats(campaignId),
    api.currentDay(),
  ]);
  return view(cardText(campaign, stats, today, lang, m), cardKeyboard(campaign, m));
}

export function confirmDeleteView(campaign: Campaign, m: Messages): View {
  const keyboard = new InlineKeyboard()
    .text(m.card.confirmYes, CB.confirmDelete(campaign.campaign_id))
    .text(m.card.confirmNo, CB.card(campaign.campaign_id));
  return view(m.card.confirmDelete(escapeHtml(truncate(campaign.ad_title, 300))), keyboard);
}
