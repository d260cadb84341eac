import { type Static, Type } from '@sinclair/typebox';

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
