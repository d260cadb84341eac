import { type Static, Type } from '@sinclair/typebox';
import { MAX_INT32 } from '../shared/schema.ts';

const statsFields = {
  impressions_count: Type.Integer({ minimum: 0 }),
  clicks_count: Type.Integer({ minimum: 0 }),
  conversion: Type.Number({
    description: 'clicks / impressions × 100, rounded half-up to 2 decimals; 0 without impressions.',
  }),
  spent_impressions: Type.Number({ description: 'Exact sum of impression prices, rounded to 9 decimals.' }),
  spent_clicks: Type.Number(),
  spent_total: Type.Number(),
};

export const StatsSchema = Type.Object(statsFields, { $id: 'Stats' });
export type Stats = Static<typeof StatsSchema>;

export const DailyStatsSchema = Type.Object(
  { ...statsFields, date: Type.Integer({ minimum: 0 }) },
  { $id: 'DailyStats' },
);
export type DailyStats = Static<typeof DailyStatsSchema>;

/** Most days one daily series answers (spec §8 #37): ten years of simulated days. */
export const MAX_DAILY_DAYS = 3660;

const windowEnd = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT32, description }));

/** The optional window of a daily series (spec §8 #37). */
export const DayWindowQuery = Type.Object({
  from_day: windowEnd(
    `First day to return (inclusive). Alone, it returns up to ${MAX_DAILY_DAYS} days from it.`,
  ),
  to_day: windowEnd(
    `Last day to return (inclusive). Alone, it returns up to ${MAX_DAILY_DAYS} days ending at it. With from_day, at most ${MAX_DAILY_DAYS} days (400 beyond, and when from_day > to_day).`,
  ),
});
export type DayWindow = Static<typeof DayWindowQuery>;

/** One daily series as answered: the days of the window, and the length of the whole range. */
export type DailySeries = { days: DailyStats[]; total: number };
