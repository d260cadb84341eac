import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';

/** Hand-made simulator worlds for tests: fixed, readable ids and a campaign draft. */

/** The n-th fixed UUID (`…-000000000007`), so hand-made clients and advertisers read as numbers. */
export const testUuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A one-day campaign (day 0, no targeting, CPI and CPC 1, limits 1) with the given fields. */
export function draftCampaign(overrides: Partial<CreateCampaignInput>): CreateCampaignInput {
  return {
    impressions_limit: 1,
    clicks_limit: 1,
    cost_per_impression: 1,
    cost_per_click: 1,
    ad_title: 't',
    ad_text: 't',
    start_date: 0,
    end_date: 0,
    targeting: null,
    ...overrides,
  };
}

/** Two clients (0: a 30-year-old man in Kazan, 1: a 20-year-old woman in Sochi), ids 1 and 2. */
export const TWO_CLIENTS = [
  { client_id: testUuid(1), login: 'a', age: 30, location: 'Kazan', gender: 'MALE' as const },
  { client_id: testUuid(2), login: 'b', age: 20, location: 'Sochi', gender: 'FEMALE' as const },
];

/** Two advertisers, A (id 8) and B (id 9). */
export const TWO_ADVERTISERS = [
  { advertiser_id: testUuid(8), name: 'A' },
  { advertiser_id: testUuid(9), name: 'B' },
];
