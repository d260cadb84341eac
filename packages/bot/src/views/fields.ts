import {
  CAMPAIGN_BOUNDS,
  FROZEN_FIELDS as CAMPAIGN_FROZEN_FIELDS,
  type CampaignRule,
  campaignRuleIssues,
  MAX_AD_TEXT,
  MAX_LOCATION,
} from '@adnova/core/campaigns/campaign-rules';
import type { Campaign, CampaignCreate, CampaignUpdate, Targeting } from '../api/adnova-api.ts';
import { escapeHtml, formatCount, formatMoney, truncate } from '../format.ts';
import type { Lang, Messages } from '../i18n/i18n.ts';

/** Bounds the API enforces (spec §2, §4.3); checking them here turns a 400 into a precise prompt. */

export type Gender = NonNullable<Targeting['gender']>;
export const GENDERS: readonly Gender[] = ['ALL', 'FEMALE', 'MALE'];

/** A campaign as the dialogs edit it: the API's fields with targeting flattened. */
export type Draft = {
  ad_title: string;
  ad_text: string;
  impressions_limit: number;
  clicks_limit: number;
  cost_per_impression: number;
  cost_per_click: number;
  start_date: number;
  end_date: number;
  gender: Gender | null;
  age_from: number | null;
  age_to: number | null;
  location: string | null;
};
export type FieldKey = keyof Draft;

/** The order the creation dialog asks in (each field's checks only look at earlier ones). */
export const FIELDS: readonly FieldKey[] = [
  'ad_title',
  'ad_text',
  'impressions_limit',
  'clicks_limit',
  'cost_per_impression',
  'cost_per_click',
  'start_date',
  'end_date',
  'gender',
  'age_from',
  'age_to',
  'location',
];

/** Targeting fields: "no restriction" (null) is a valid answer. */
export const OPTIONAL_FIELDS: ReadonlySet<FieldKey> = new Set(['gender', 'age_from', 'age_to', 'location']);
/** Fields that cannot change once the campaign has started (spec §3.9). */
export const FROZEN_FIELDS: ReadonlySet<FieldKey> = new Set(CAMPAIGN_FROZEN_FIELDS);

export const isFieldKey = (value: string): value is FieldKey => (FIELDS as readonly string[]).includes(value);

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

/** The other values a field is checked against: earlier answers, or the campaign being edited. */
export type FieldContext = { today: number; draft: Partial<Draft> };

/** The answer that means "no restriction" for optional fields. */
export const SKIP = '-';

function wholeNumber(text: string, m: Messages, min: number, max: number): Parsed<number> {
  const compact = text.replace(/[\s_\u00a0\u202f]/g, '');
  if (/^-\d+$/.test(compact)) return fail(m.validation.atLeast(min));
  if (!/^\d+$/.test(compact)) return fail(m.validation.wholeNumber);
  const value = Number(compact);
  if (value < min) return fail(m.validation.atLeast(min));
  if (value > max) return fail(m.validation.atMost(max));
  return ok(value);
}

function decimal(text: string, m: Messages): Parsed<number> {
  const compact = text.replace(/[\s_\u00a0\u202f]/g, '').replace(',', '.');
  if (/^-\d*\.?\d+$/.test(compact)) return fail(m.validation.atLeast(0));
  if (!/^\d*\.?\d+$/.test(compact)) return fail(m.validation.decimal);
  const value = Number(compact);
  return Number.isFinite(value) ? ok(value) : fail(m.validation.decimal);
}

function nonEmpty(text: string, m: Messages, max: number): Parsed<string> {
  const value = text.trim();
  if (value === '') return fail(m.validation.notEmpty);
  if (value.length > max) return fail(m.validation.tooLong(max));
  return ok(value);
}

function gender(text: string, m: Messages): Parsed<Gender | null> {
  const answer = text.trim().toLowerCase();
  if (answer === SKIP) return ok(null);
  for (const g of GENDERS) {
    if (answer === g.toLowerCase() || answer === m.genders[g].toLowerCase()) return ok(g);
  }
  return fail(m.validation.gender);
}

/**
 * Checks one answer the way the API will (spec §4.3), against the other values in `ctx`, so the
 * user hears about a mistake at the step that made it. `start_date >= today` is only checked for
 * a new value, like the API does.
 */
export function parseField(
  field: FieldKey,
  text: string,
  ctx: FieldContext,
  m: Messages,
): Parsed<Draft[FieldKey]> {
  const { draft, today } = ctx;
  const optional = OPTIONAL_FIELDS.has(field) && text.trim() === SKIP;
  if (optional) return ok(null);
  switch (field) {
    case 'ad_title':
    case 'ad_text':
      return nonEmpty(text, m, MAX_AD_TEXT);
    case 'location':
      return nonEmpty(text, m, MAX_LOCATION);
    case 'gender':
      return gender(text, m);
    case 'cost_per_impression':
    case 'cost_per_click':
      return decimal(text, m);
  }
  const { min, max } = CAMPAIGN_BOUNDS[field];
  const parsed = wholeNumber(text, m, min, max);
  if (!parsed.ok) return parsed;
  // The API's cross-field rules, on the draft with this answer: only those this answer takes part in.
  const issues = campaignRuleIssues(
    { ...draft, [field]: parsed.value },
    field === 'start_date' ? today : undefined,
  ).filter((issue) => issue.fields.includes(field));
  const issue = issues.find((i) => i.rule === 'start_before_today') ?? issues[0];
  if (!issue) return parsed;
  return fail(ruleMessage(issue.rule, field, ctx, m));
}

/** The bot's words for a broken rule, told from the side of the field just answered. */
function ruleMessage(
  rule: CampaignRule,
  field: FieldKey,
  { draft, today }: FieldContext,
  m: Messages,
): string {
  const v = m.validation;
  switch (rule) {
    case 'clicks_over_impressions':
      return field === 'impressions_limit'
        ? v.impressionsUnderClicks(draft.clicks_limit ?? 0)
        : v.clicksOverImpressions(draft.impressions_limit ?? 0);
    case 'start_after_end':
      return field === 'start_date'
        ? v.startAfterEnd(draft.end_date ?? 0)
        : v.endBeforeStart(draft.start_date ?? 0);
    case 'start_before_today':
      return v.startBeforeToday(today);
    case 'age_from_over_to':
      return field === 'age_from' ? v.ageFromOverTo(draft.age_to ?? 0) : v.ageOrder(draft.age_from ?? 0);
  }
}

export function draftOf(campaign: Campaign): Draft {
  return {
    ad_title: campaign.ad_title,
    ad_text: campaign.ad_text,
    impressions_limit: campaign.impressions_limit,
    clicks_limit: campaign.clicks_limit,
    cost_per_impression: campaign.cost_per_impression,
    cost_per_click: campaign.cost_per_click,
    start_date: campaign.start_date,
    end_date: campaign.end_date,
    gender: campaign.targeting.gender,
    age_from: campaign.targeting.age_from,
    age_to: campaign.targeting.age_to,
    location: campaign.targeting.location,
  };
}

export function createBody(draft: Draft): CampaignCreate {
  const { gender, age_from, age_to, location, ...fields } = draft;
  return { ...fields, targeting: { gender, age_from, age_to, location } };
}

/** The PUT body changing one field; a targeting field resends the whole targeting (PUT replaces it). */
export function updateBody(campaign: Campaign, field: FieldKey, value: Draft[FieldKey]): CampaignUpdate {
  if (field === 'gender' || field === 'age_from' || field === 'age_to' || field === 'location') {
    return { targeting: { ...campaign.targeting, [field]: value } };
  }
  return { [field]: value };
}

/**
 * The field an API validation message is about: schema issues start with the field's path
 * (`targeting.age_to must be…`), business rules with its name (`start_date can't be…`).
 */
export function fieldOfDetail(detail: string): FieldKey | undefined {
  const match = /^(?:targeting\.)?([a-z_]+)/.exec(detail.trim());
  const name = match?.[1];
  return name !== undefined && isFieldKey(name) ? name : undefined;
}

/** A field's value for display (HTML-escaped). */
export function displayValue(
  field: FieldKey,
  value: Draft[FieldKey] | undefined,
  lang: Lang,
  m: Messages,
): string {
  if (value === undefined || value === null)
    return field === 'gender' || field === 'location' ? m.anyone : '—';
  switch (field) {
    case 'cost_per_impression':
    case 'cost_per_click':
      return formatMoney(lang, value as number);
    case 'impressions_limit':
    case 'clicks_limit':
      return formatCount(lang, value as number);
    case 'gender':
      return m.genders[value as Gender];
    case 'ad_title':
      return escapeHtml(truncate(String(value), 300));
    case 'ad_text':
      return escapeHtml(truncate(String(value), 600));
    default:
      return escapeHtml(String(value));
  }
}

/** "Female, age 18–35, Moscow", or "anyone". */
export function targetingSummary(targeting: Targeting, m: Messages): string {
  const parts: string[] = [];
  if (targeting.gender) parts.push(m.genders[targeting.gender]);
  if (targeting.age_from !== null || targeting.age_to !== null) {
    parts.push(m.card.age(String(targeting.age_from ?? 0), String(targeting.age_to ?? 100)));
  }
  if (targeting.location !== null) parts.push(escapeHtml(targeting.location));
  return parts.length > 0 ? parts.join(', ') : m.anyone;
}
