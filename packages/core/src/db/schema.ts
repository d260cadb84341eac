import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Money is NUMERIC (arbitrary precision, exact decimal of the input), read back as a string so
 * sums never pass through binary floats. Converted to a JSON number only at the edge.
 */
const money = customType<{ data: string; driverData: string }>({
  dataType: () => 'numeric',
});

export const clients = pgTable(
  'clients',
  {
    id: uuid('id').primaryKey(),
    login: text('login').notNull(),
    age: integer('age').notNull(),
    location: text('location').notNull(),
    gender: text('gender', { enum: ['MALE', 'FEMALE'] }).notNull(),
  },
  (t) => [
    check('clients_age_range', sql`${t.age} BETWEEN 0 AND 100`),
    check('clients_gender', sql`${t.gender} IN ('MALE', 'FEMALE')`),
  ],
);

export const advertisers = pgTable('advertisers', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
});

export const mlScores = pgTable(
  'ml_scores',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    advertiserId: uuid('advertiser_id')
      .notNull()
      .references(() => advertisers.id, { onDelete: 'cascade' }),
    score: integer('score').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.advertiserId] }),
    index('ml_scores_advertiser_idx').on(t.advertiserId),
    check('ml_scores_score_nonneg', sql`${t.score} >= 0`),
  ],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Creation order: the stable tie-break of listings and ad selection. */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    advertiserId: uuid('advertiser_id')
      .notNull()
      .references(() => advertisers.id, { onDelete: 'cascade' }),
    impressionsLimit: bigint('impressions_limit', { mode: 'number' }).notNull(),
    clicksLimit: bigint('clicks_limit', { mode: 'number' }).notNull(),
    costPerImpression: money('cost_per_impression').notNull(),
    costPerClick: money('cost_per_click').notNull(),
    adTitle: text('ad_title').notNull(),
    adText: text('ad_text').notNull(),
    startDate: integer('start_date').notNull(),
    endDate: integer('end_date').notNull(),
    targetGender: text('target_gender', { enum: ['MALE', 'FEMALE', 'ALL'] }),
    targetAgeFrom: integer('target_age_from'),
    targetAgeTo: integer('target_age_to'),
    targetLocation: text('target_location'),
    /** Storage key of the campaign image (issue 5); the public URL is derived from it. */
    adImageKey: text('ad_image_key'),
    /**
     * Counts of stored impressions and clicks, maintained by triggers on those tables so they
     * always equal the events (spec §4.5); the limit checks read them under a row lock.
     */
    impressionsCount: bigint('impressions_count', { mode: 'number' }).notNull().default(0),
    clicksCount: bigint('clicks_count', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('campaigns_advertiser_idx').on(t.advertiserId, t.endDate, t.seq),
    index('campaigns_dates_idx').on(t.startDate, t.endDate),
    check('campaigns_limits', sql`${t.impressionsLimit} >= 0 AND ${t.clicksLimit} >= 0`),
    check('campaigns_costs', sql`${t.costPerImpression} >= 0 AND ${t.costPerClick} >= 0`),
    check('campaigns_dates', sql`${t.startDate} >= 0 AND ${t.startDate} <= ${t.endDate}`),
  ],
);

/**
 * Impressions and clicks have the same shape: one row per (client, campaign) ever, with the price
 * and the simulated day at the moment it was recorded.
 */
function eventTable<Name extends 'impressions' | 'clicks'>(name: Name) {
  return pgTable(
    name,
    {
      id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
      campaignId: uuid('campaign_id')
        .notNull()
        .references(() => campaigns.id, { onDelete: 'cascade' }),
      clientId: uuid('client_id')
        .notNull()
        .references(() => clients.id, { onDelete: 'cascade' }),
      price: money('price').notNull(),
      date: integer('date').notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      unique(`${name}_client_campaign_uq`).on(t.clientId, t.campaignId),
      index(`${name}_campaign_date_idx`).on(t.campaignId, t.date),
    ],
  );
}

export const impressions = eventTable('impressions');
export const clicks = eventTable('clicks');

/**
 * The simulated clock: exactly one row (the boolean key can only be true). The column is `day`,
 * not `current_date`, which SQL reads as the built-in CURRENT_DATE.
 */
export const platformClock = pgTable(
  'platform_clock',
  {
    id: boolean('id').primaryKey().default(true),
    day: integer('day').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('platform_clock_singleton', sql`${t.id}`), check('platform_clock_day', sql`${t.day} >= 0`)],
);

/** Scratch rows for the `/health` database round trip. */
export const healthProbes = pgTable('health_probes', {
  id: uuid('id').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Version of the served campaign catalog: bumped by a trigger whenever a campaign is created,
 * deleted, or a field that selection reads changes (not on counter updates). Every ad request
 * reads it, so in-process catalog caches stay exact across processes.
 */
export const catalogVersion = pgTable(
  'catalog_version',
  {
    id: boolean('id').primaryKey().default(true),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('catalog_version_singleton', sql`${t.id}`)],
);
