import type { Advertiser } from '@adnova/core/advertisers/advertisers.schema';
import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import type { Client } from '@adnova/core/clients/clients.schema';
import type { MlScore } from '@adnova/core/ml-scores/ml-scores.schema';
import { seededRandom } from '@adnova/core/shared/random';

export { seededRandom };

/** A deterministic RFC 4122 v4-shaped UUID from the generator. */
export function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const LOCATIONS = [
  'Moscow',
  'Saint Petersburg',
  'Kazan',
  'Novosibirsk',
  'Yekaterinburg',
  'Sochi',
] as const;
const BRANDS = ['Nova', 'Orbit', 'Pulse', 'Vertex', 'Aurora', 'Zenith', 'Echo', 'Atlas', 'Lumen', 'Quanta'];
const NOUNS = ['Coffee', 'Bikes', 'Cloud', 'Books', 'Travel', 'Fitness', 'Games', 'Shoes', 'Bank', 'Pizza'];

export type WorkloadSize = {
  clients: number;
  advertisers: number;
  campaigns: number;
  mlScores: number;
  days: number;
};

export type Workload = {
  clients: Client[];
  advertisers: Advertiser[];
  campaigns: { advertiser_id: string; campaign: CreateCampaignInput }[];
  mlScores: MlScore[];
};

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/**
 * A deterministic synthetic data set: clients over a few cities, advertisers, campaigns with
 * random limits, prices, dates within `days` and optional targeting, and distinct ML scores.
 */
export function generateWorkload(size: WorkloadSize, seed = 42): Workload {
  const random = seededRandom(seed);
  const clients: Client[] = Array.from({ length: size.clients }, (_, i) => ({
    client_id: seededUuid(random),
    login: `user${i}`,
    age: 14 + Math.floor(random() * 60),
    location: pick(random, LOCATIONS),
    gender: random() < 0.5 ? 'MALE' : 'FEMALE',
  }));
  const advertisers: Advertiser[] = Array.from({ length: size.advertisers }, (_, i) => ({
    advertiser_id: seededUuid(random),
    name: `${pick(random, BRANDS)} ${pick(random, NOUNS)} ${i + 1}`,
  }));
  const campaigns = Array.from({ length: size.campaigns }, (_, i) => {
    const advertiser = advertisers[i % advertisers.length] as Advertiser;
    const start = Math.floor(random() * Math.max(1, size.days - 1));
    const end = Math.min(size.days - 1, start + Math.floor(random() * size.days));
    const impressions = 20 + Math.floor(random() * Math.max(20, (size.clients / 4) | 0));
    const targeting: CreateCampaignInput['targeting'] =
      random() < 0.4
        ? null
        : {
            gender:
              random() < 0.3 ? pick(random, ['MALE', 'FEMALE'] as const) : random() < 0.5 ? 'ALL' : null,
            age_from: random() < 0.3 ? 18 + Math.floor(random() * 20) : null,
            age_to: random() < 0.3 ? 40 + Math.floor(random() * 30) : null,
            location: random() < 0.3 ? pick(random, LOCATIONS) : null,
          };
    return {
      advertiser_id: advertiser.advertiser_id,
      campaign: {
        impressions_limit: impressions,
        clicks_limit: Math.floor(impressions * (0.05 + random() * 0.3)),
        cost_per_impression: Math.round(random() * 500) / 100,
        cost_per_click: Math.round(random() * 3000) / 100,
        ad_title: `${advertiser.name}: offer ${i + 1}`,
        ad_text: `The best ${pick(random, NOUNS).toLowerCase()} in town. Try it today!`,
        start_date: start,
        end_date: end,
        targeting,
      },
    };
  });
  const seen = new Set<string>();
  const mlScores: MlScore[] = [];
  const maxPairs = size.clients * size.advertisers;
  while (mlScores.length < Math.min(size.mlScores, maxPairs)) {
    const client = Math.floor(random() * size.clients);
    const advertiser = Math.floor(random() * size.advertisers);
    const key = `${client}:${advertiser}`;
    if (seen.has(key)) continue;
    seen.add(key);
    mlScores.push({
      client_id: (clients[client] as Client).client_id,
      advertiser_id: (advertisers[advertiser] as Advertiser).advertiser_id,
      score: 2 + Math.floor(random() * 9999),
    });
  }
  return { clients, advertisers, campaigns, mlScores };
}
