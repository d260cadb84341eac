import {
  CAMPAIGN_BOUNDS,
  CAMPAIGN_FIELD_NAMES,
  CAMPAIGN_FIELDS,
  FROZEN_FIELDS as CAMPAIGN_FROZEN_FIELDS,
  type CampaignField,
  type CampaignFieldDef,
  type CampaignRule,
  campaignRuleIssues,
  MAX_LOCATION,
} from '@adnova/core/campaigns/campaign-rules';
import type { Campaign, CampaignCreate, CampaignUpdate, Targeting } from '../api/adnova-api.ts';
import { escapeHtml, formatCount, formatMoney, truncate } from '../format.ts';
import type { Lang, Messages } from '../i18n/i18n.ts';

/** Bounds the API enforces (spec §2, §4.3); checking them here turns a 400 into a precise prompt. */

export type Gender = NonNullable<Targeting['gender']>;
export const GENDERS: readonly Gender[] = ['ALL', 'FEMALE', 'MALE'];

const TARGETING_FIELDS = ['gender', 'age_from', 'age_to', 'location'] as const;
type TargetingField = (typeof TARGETING_FIELDS)[number];

/**
 * A campaign as the dialogs edit it: the API's fields (campaign-rules.ts `CAMPAIGN_FIELDS`) with
 * targeting flattened.
 */
export type Draft = Pick<Campaign, CampaignField> & { [K in TargetingField]: Targeting[K] };
export type FieldKey = keyof Draft;

const def = (field: CampaignField): CampaignFieldDef => CAMPAIGN_FIELDS[field];

/**
 * The order the creation dialog asks in: the texts first, then the other fields in the API's order
 * (each field's checks only look at earlier ones), then targeting.
 */
export const FIELDS: readonly FieldKey[] = [
  ...CAMPAIGN_FIELD_NAMES.filter((f) => def(f).kind === 'text'),
  ...CAMPAIGN_FIELD_NAMES.filter((f) => def(f).kind !== 'text'),
  ...TARGETING_FIELDS,
];

/** Targeting fields and optional campaign fields: "none" (null) is a valid answer. */
export const OPTIONAL_FIELDS: ReadonlySet<FieldKey> = new Set([
  ...TARGETING_FIELDS,
  ...CAMPAIGN_FIELD_NAMES.filter((f) => def(f).optional),
]);
/** Fields that cannot change once the campaign has started (spec §3.9). */
export const FROZEN_FIELDS: ReadonlySet<FieldKey> = new Set(CAMPAIGN_FROZEN_FIELDS);

const isCampaignField = (field: FieldKey): field is CampaignField => Object.hasOwn(CAMPAIGN_FIELDS, field);

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
  if (field === 'location') return nonEmpty(text, m, MAX_LOCATION);
  if (field === 'gender') return gender(text, m);
  if (isCampaignField(field)) {
    const { kind, maxLength = 0 } = def(field);
    if (kind === 'text') return nonEmpty(text, m, maxLength);
    if (kind === 'money') return decimal(text, m);
  }
  // A whole number: a count, a day or an age, checked against its bounds and the cross-field rules.
  const { min, max } = CAMPAIGN_BOUNDS[field as keyof typeof CAMPAIGN_BOUNDS];
  const parsed = wholeNumber(text, m, min, max);
  if (!parsed.ok) return parsed;
  // The API's cross-field rules, on the draft with this answer: only those this answer takes part in.
  const issues = campaignRuleIssues(
    { ...draft, [field]: parsed.value },
    field === 'start_date' ? today : undefined,
  ).filter((issue) => (issue.fields as readonly string[]).includes(field));
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
  const fields = Object.fromEntries(CAMPAIGN_FIELD_NAMES.map((f) => [f, campaign[f]]));
  return { ...(fields as Pick<Campaign, CampaignField>), ...campaign.targeting };
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
  if (field === 'gender') return m.genders[value as Gender];
  const fieldDef = isCampaignField(field) ? def(field) : undefined;
  switch (fieldDef?.kind) {
    case 'money':
      return formatMoney(lang, value as number);
    case 'count':
      return formatCount(lang, value as number);
    case 'text':
      return escapeHtml(truncate(String(value), fieldDef?.multiline ? 600 : 300));
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
