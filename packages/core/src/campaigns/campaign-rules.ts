import { MAX_MONEY } from '../shared/money.ts';
import { MAX_INT32, MAX_SAFE, MAX_TEXT } from '../shared/schema.ts';

/**
 * The rules of a campaign (spec §4.3), in one place: the API's schema and domain, the admin form
 * and the bot's dialog all read them from here. Pure: no database, no HTTP, no messages in any
 * language but the API's.
 */

/** Inclusive bounds of each numeric field. */
export const CAMPAIGN_BOUNDS = {
  impressions_limit: { min: 0, max: MAX_SAFE },
  clicks_limit: { min: 0, max: MAX_SAFE },
  start_date: { min: 0, max: MAX_INT32 },
  end_date: { min: 0, max: MAX_INT32 },
  cost_per_impression: { min: 0, max: MAX_MONEY },
  cost_per_click: { min: 0, max: MAX_MONEY },
  age_from: { min: 0, max: 100 },
  age_to: { min: 0, max: 100 },
} as const;

/** Longest `ad_title` / `ad_text` (spec §8 #35), and longest targeting location. */
export const MAX_AD_TEXT = MAX_TEXT;
export const MAX_LOCATION = 1000;

/** Fields that cannot change once the campaign has started (`start_date <= current day`): 403. */
export const FROZEN_FIELDS = ['impressions_limit', 'clicks_limit', 'start_date', 'end_date'] as const;
export type FrozenField = (typeof FROZEN_FIELDS)[number];

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
