import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  char,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
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
    /**
     * Bumped by triggers whenever what ranking reads about the client changes (age, gender,
     * location, ML scores): processes cache profiles and the serving statement checks this.
     */
    profileVersion: bigint('profile_version', { mode: 'number' }).notNull().default(0),
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

/**
 * The selection planner's current plan (issue 13): one row, its `version` bumped by every new
 * plan. Every ad request reads it with the client, so processes pick up new prices like the
 * catalog. `catalog_version` and `day` say what the plan was made for.
 */
export const selectionPlan = pgTable(
  'selection_plan',
  {
    id: boolean('id').primaryKey().default(true),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    day: integer('day').notNull().default(0),
    catalogVersion: bigint('catalog_version', { mode: 'number' }).notNull().default(0),
    /** Requests per day the plan assumed, and how long the solve took. */
    demand: doublePrecision('demand').notNull().default(0),
    solveMs: doublePrecision('solve_ms').notNull().default(0),
    plannedAt: timestamp('planned_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * The process planning now and until when its claim holds: one process plans at a time, and
     * a claim whose process died runs out by itself.
     */
    leaseOwner: uuid('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [check('selection_plan_singleton', sql`${t.id}`)],
);

/**
 * The current plan's shadow prices, one row per planned campaign: what one more impression and
 * one more click of the campaign are worth to the rest of the plan (the LP's duals). A campaign
 * without a row ranks at its plain value.
 */
export const selectionPrices = pgTable('selection_prices', {
  campaignId: uuid('campaign_id')
    .primaryKey()
    .references(() => campaigns.id, { onDelete: 'cascade' }),
  impressionPrice: doublePrecision('impression_price').notNull(),
  clickPrice: doublePrecision('click_price').notNull(),
  /**
   * Pacing: the share of the LP's impression price charged (0..1), the plan's new impressions per
   * request for the rest of `day`, and the campaign's impressions left and the day's requests when
   * planned. The next plan compares the sales since with the planned rate and adjusts the share.
   */
  pace: doublePrecision('pace').notNull().default(1),
  plannedRate: doublePrecision('planned_rate').notNull().default(0),
  day: integer('day').notNull().default(0),
  impressionsLeft: bigint('impressions_left', { mode: 'number' }).notNull().default(0),
  requestsToday: bigint('requests_today', { mode: 'number' }).notNull().default(0),
});

/**
 * Ad requests per (client, simulated day), the planner's demand signal: how much traffic to
 * expect, and from whom. Each process counts its requests in memory and adds them here every
 * few seconds, so the hot path writes nothing; the planner drops days older than a week.
 */
export const clientTraffic = pgTable(
  'client_traffic',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    day: integer('day').notNull(),
    requests: integer('requests').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.clientId] }),
    check('client_traffic_requests', sql`${t.requests} > 0`),
  ],
);

/**
 * The database job queue (used when `REDIS_URL` is unset): one row per job, with Celery's status
 * vocabulary (spec §7.2). A worker claims a due job by setting a lease; a job whose lease ran out
 * (its worker died) is claimed again. Finished rows are kept `keep_seconds` after `finished_at`.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE'] })
      .notNull()
      .default('PENDING'),
    /** Attempts started so far. */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    result: jsonb('result'),
    error: text('error'),
    /** When the job is next due (later than creation while it waits out a retry backoff). */
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    /** Identifies the current attempt's claim, so a stale worker cannot finish a reclaimed job. */
    leaseToken: uuid('lease_token'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    keepSeconds: integer('keep_seconds').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('jobs_due_idx').on(t.status, t.runAt),
    index('jobs_finished_idx').on(t.finishedAt),
    check('jobs_status', sql`${t.status} IN ('PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE')`),
  ],
);

/** Heartbeats of running database-queue workers, for `/health`'s `queue_workers`. */
export const jobWorkers = pgTable('job_workers', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A client's complaint about an ad (spec §7.3): one per (campaign, client); both references
 * survive deletions as null. `state`: s sent, r under review, t took action, f skipped.
 * `ad_title`/`ad_text` are the texts the client complained about, which moderation judges even
 * if the campaign is edited or deleted later. `flagged_by_llm` is null until a verdict lands.
 */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    clientId: uuid('client_id').references(() => clients.id, { onDelete: 'set null' }),
    state: char('state', { length: 1, enum: ['s', 'r', 't', 'f'] })
      .notNull()
      .default('s'),
    message: text('message'),
    adTitle: text('ad_title').notNull(),
    adText: text('ad_text').notNull(),
    flaggedByLlm: boolean('flagged_by_llm'),
    /** The job that moderates this report; a new one replaces it when it is lost or failed. */
    moderationJobId: uuid('moderation_job_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('reports_campaign_client_uq').on(t.campaignId, t.clientId),
    index('reports_client_idx').on(t.clientId),
    index('reports_state_idx').on(t.state, t.createdAt),
    index('reports_unmoderated_idx').on(t.createdAt).where(sql`flagged_by_llm IS NULL`),
    check('reports_state', sql`${t.state} IN ('s', 'r', 't', 'f')`),
  ],
);

/** Admin panel staff, groups, permissions and sessions (issue 6). */
export * from './admin.schema.ts';

/** Telegram bot link codes and account bindings (issue 7). */
export * from './telegram.schema.ts';
