import { MAX_MONEY } from '../shared/money.ts';
import { MAX_INT32, MAX_SAFE, MAX_TEXT } from '../shared/schema.ts';

/**
 * The rules of a campaign (spec §4.3), in one place: the API's schema and domain, the admin form
 * and the bot's dialog all read them from here. Pure: no database, no HTTP, no messages in any
 * language but the API's.
 */

/**
 * What a campaign field's values are: a count (whole number up to 2^53 − 1), a day number, money
 * (exact to 9 decimal places), or text (trimmed of nothing, non-empty unless optional).
 */
export type FieldKind = 'count' | 'day' | 'money' | 'text';

/** One of the campaign's own fields (targeting and the image have their own rules). */
export type CampaignFieldDef = {
  kind: FieldKind;
  /** Inclusive bounds of a number. */
  min?: number;
  max?: number;
  /** Longest text, in characters. */
  maxLength?: number;
  /** May be absent or null on create (stored as null); null clears it on update. Else required. */
  optional?: true;
  /** Cannot change once the campaign has started (`start_date <= current day`): 403. */
  frozen?: true;
  /** Part of the ad `GET /ads` answers, from the serving catalog. */
  served?: true;
  /** Text of several lines (a text area in the admin form). */
  multiline?: true;
  /** The API documentation's words for it, when its kind does not say enough. */
  description?: string;
};

/**
 * The campaign's own fields, in the API's order. Everything that handles a campaign field
 * generically reads this table: the API schemas and their OpenAPI text, the row mapping of the
 * domain, the serving catalog and the `Ad` answer (for `served` fields), the admin form and the
 * bot's dialog. The key is the field's name in the API and its column in the `campaigns` table.
 */
export const CAMPAIGN_FIELDS = {
  impressions_limit: { kind: 'count', min: 0, max: MAX_SAFE, frozen: true },
  clicks_limit: {
    kind: 'count',
    min: 0,
    max: MAX_SAFE,
    frozen: true,
    description:
      'At most impressions_limit. Once this many clicks are recorded the ad is no longer served (a campaign with 0 is never served).',
  },
  cost_per_impression: { kind: 'money', min: 0, max: MAX_MONEY },
  cost_per_click: { kind: 'money', min: 0, max: MAX_MONEY },
  ad_title: { kind: 'text', maxLength: MAX_TEXT, served: true },
  ad_text: { kind: 'text', maxLength: MAX_TEXT, served: true, multiline: true },
  start_date: { kind: 'day', min: 0, max: MAX_INT32, frozen: true },
  end_date: { kind: 'day', min: 0, max: MAX_INT32, frozen: true },
} as const satisfies Record<string, CampaignFieldDef>;

export type CampaignFields = typeof CAMPAIGN_FIELDS;
export type CampaignField = keyof CampaignFields;
/** The fields in the API's order. */
export const CAMPAIGN_FIELD_NAMES = Object.keys(CAMPAIGN_FIELDS) as CampaignField[];

type FieldsWhere<Flag extends keyof CampaignFieldDef, Value> = {
  [K in CampaignField]: CampaignFields[K] extends { [F in Flag]: Value } ? K : never;
}[CampaignField];
/** Fields holding a number. */
export type NumericField = FieldsWhere<'kind', 'count' | 'day' | 'money'>;
/** Fields in the ad `GET /ads` answers. */
export type ServedField = FieldsWhere<'served', true>;
/** Fields that cannot change once the campaign has started (`start_date <= current day`): 403. */
export type FrozenField = FieldsWhere<'frozen', true>;

const where = <K extends CampaignField>(test: (def: CampaignFieldDef) => boolean) =>
  CAMPAIGN_FIELD_NAMES.filter((name) => test(CAMPAIGN_FIELDS[name])) as K[];
export const FROZEN_FIELDS: readonly FrozenField[] = where<FrozenField>((def) => def.frozen === true);
export const SERVED_FIELDS: readonly ServedField[] = where<ServedField>((def) => def.served === true);

/** Bounds of the targeting ages. */
const AGE = { min: 0, max: 100 } as const;

/** Inclusive bounds of each numeric field, the targeting ages included. */
export const CAMPAIGN_BOUNDS: Record<NumericField, { min: number; max: number }> &
  Record<'age_from' | 'age_to', { min: number; max: number }> = {
  ...(Object.fromEntries(
    CAMPAIGN_FIELD_NAMES.flatMap((name) => {
      const def: CampaignFieldDef = CAMPAIGN_FIELDS[name];
      return def.min === undefined || def.max === undefined ? [] : [[name, { min: def.min, max: def.max }]];
    }),
  ) as Record<NumericField, { min: number; max: number }>),
  age_from: AGE,
  age_to: AGE,
};

/** Longest `ad_title` / `ad_text` (spec §8 #35), and longest targeting location. */
export const MAX_AD_TEXT = MAX_TEXT;
export const MAX_LOCATION = 1000;

/** The values the cross-field rules look at; a rule whose values are not all known is not checked. */
export type RuleValues = {
  impressions_limit?: number | undefined;
  clicks_limit?: number | undefined;
  start_date?: number | undefined;
  end_date?: number | undefined;
  age_from?: number | null | undefined;
  age_to?: number | null | undefined;
};

export type CampaignRule =
  | 'clicks_over_impressions'
  | 'start_after_end'
  | 'start_before_today'
  | 'age_from_over_to';

/** A broken rule: the field the API reports it on, every field it involves, and the API's message. */
export type RuleIssue = {
  rule: CampaignRule;
  field: keyof RuleValues;
  fields: readonly (keyof RuleValues)[];
  message: string;
};

const known = (value: number | null | undefined): value is number => value !== undefined && value !== null;

/**
 * The cross-field rules broken by `c`, in the order the API reports them. `today` is given only
 * when `start_date` is a new value: an unchanged start date may lie in the past.
 */
export function campaignRuleIssues(c: RuleValues, today?: number): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (known(c.clicks_limit) && known(c.impressions_limit) && c.clicks_limit > c.impressions_limit)
    issues.push({
      rule: 'clicks_over_impressions',
      field: 'clicks_limit',
      fields: ['clicks_limit', 'impressions_limit'],
      message: "clicks_limit can't be greater than impressions_limit.",
    });
  if (known(c.start_date) && known(c.end_date) && c.start_date > c.end_date)
    issues.push({
      rule: 'start_after_end',
      field: 'start_date',
      fields: ['start_date', 'end_date'],
      message: "start_date can't be greater than end_date.",
    });
  if (today !== undefined && known(c.start_date) && c.start_date < today)
    issues.push({
      rule: 'start_before_today',
      field: 'start_date',
      fields: ['start_date'],
      message: 'start_date must be greater or equal than the current_date.',
    });
  if (known(c.age_from) && known(c.age_to) && c.age_from > c.age_to)
    issues.push({
      rule: 'age_from_over_to',
      field: 'age_from',
      fields: ['age_from', 'age_to'],
      message: "age_from can't be greater than age_to.",
    });
  return issues;
}

/** The frozen fields `patch` would change on a campaign that has started (`current`). */
export function frozenFieldsChanged(
  current: Record<FrozenField, number>,
  patch: Partial<Record<FrozenField, number>>,
): FrozenField[] {
  return FROZEN_FIELDS.filter((field) => patch[field] !== undefined && patch[field] !== current[field]);
}
