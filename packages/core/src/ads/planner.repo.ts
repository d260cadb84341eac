import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { PacingRecord, PlanCampaign, ShadowPrices } from './planner.ts';

/** The stored plan's header with what it must be current for: today's day and catalog version. */
export type PlanState = {
  version: number;
  planDay: number;
  planCatalogVersion: number;
  day: number;
  catalogVersion: number;
};

export async function loadPlanState(db: Db): Promise<PlanState> {
  const [row] = await rows<{
    version: number | string;
    plan_day: number;
    plan_catalog_version: number | string;
    day: number;
    catalog_version: number | string;
  }>(
    db,
    sql`SELECT sp.version, sp.day AS plan_day, sp.catalog_version AS plan_catalog_version,
               pc.day, cv.version AS catalog_version
          FROM selection_plan sp CROSS JOIN platform_clock pc CROSS JOIN catalog_version cv`,
  );
  if (!row) throw new Error('selection_plan, platform_clock or catalog_version has no row');
  return {
    version: Number(row.version),
    planDay: row.plan_day,
    planCatalogVersion: Number(row.plan_catalog_version),
    day: row.day,
    catalogVersion: Number(row.catalog_version),
  };
}

/**
 * Claims the right to plan for `leaseSeconds`, only while nobody else holds it and the stored
 * plan is still `seenVersion` (a process that planned meanwhile makes the claim moot). True when
 * this owner holds the claim.
 */
export async function claimPlanning(
  db: Db,
  owner: string,
  seenVersion: number,
  leaseSeconds: number,
): Promise<boolean> {
  const claimed = await rows(
    db,
    sql`UPDATE selection_plan
           SET lease_owner = ${owner}::uuid,
               lease_until = now() + make_interval(secs => ${leaseSeconds}::double precision)
         WHERE version = ${seenVersion}::bigint
           AND (lease_until IS NULL OR lease_until < now() OR lease_owner = ${owner}::uuid)
        RETURNING version`,
  );
  return claimed.length > 0;
}

/** Gives a claim back without a new plan (the planning failed). */
export async function releasePlanning(db: Db, owner: string): Promise<void> {
  await db.execute(
    sql`UPDATE selection_plan SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ${owner}::uuid`,
  );
}

/**
 * Stores a new plan atomically: the header (version + 1) and every price, replacing the old
 * ones. Only while `owner` still holds the claim; returns the new version, or undefined when the
 * claim was lost (it ran out and another process took it).
 */
export async function storePlan(
  db: Db,
  owner: string,
  plan: { day: number; catalogVersion: number; demand: number; solveMs: number },
  prices: ReadonlyMap<string, ShadowPrices & PacingRecord>,
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const [header] = await rows<{ version: number | string }>(
      tx,
      sql`UPDATE selection_plan
             SET version = version + 1, day = ${plan.day}, catalog_version = ${plan.catalogVersion}::bigint,
                 demand = ${plan.demand}, solve_ms = ${plan.solveMs}, planned_at = now(),
                 lease_owner = NULL, lease_until = NULL
           WHERE lease_owner = ${owner}::uuid
          RETURNING version`,
    );
    if (!header) return undefined;
    await tx.execute(sql`DELETE FROM selection_prices`);
    const entries = [...prices];
    // Batches keep each statement's parameter count far below PostgreSQL's 65,535.
    for (let at = 0; at < entries.length; at += 5000) {
      const batch = entries.slice(at, at + 5000);
      // Only campaigns that still exist: one deleted since the plan was read is skipped.
      const column = <T>(pick: (p: ShadowPrices & PacingRecord) => T) =>
        sql.param(batch.map(([, p]) => pick(p)));
      await tx.execute(
        sql`INSERT INTO selection_prices
                   (campaign_id, impression_price, click_price, pace, planned_rate, day, impressions_left, requests_today)
            SELECT p.id, p.impression, p.click, p.pace, p.rate, p.day, p.impressions_left, p.requests_today
              FROM unnest(${sql.param(batch.map(([id]) => id))}::uuid[], ${column((p) => p.impression)}::float8[],
                          ${column((p) => p.click)}::float8[], ${column((p) => p.pace)}::float8[],
                          ${column((p) => p.plannedRate)}::float8[], ${column((p) => p.day)}::int[],
                          ${column((p) => p.impressionsLeft)}::bigint[], ${column((p) => p.requestsToday)}::bigint[])
                   AS p(id, impression, click, pace, rate, day, impressions_left, requests_today)
              JOIN campaigns c ON c.id = p.id`,
      );
    }
    return Number(header.version);
  });
}

/** The stored plan's version and prices, read together. */
export async function loadPrices(db: Db): Promise<{ version: number; prices: Map<string, ShadowPrices> }> {
  const found = await rows<{
    version: number | string;
    campaign_id: string | null;
    impression_price: number | null;
    click_price: number | null;
  }>(
    db,
    sql`SELECT sp.version, p.campaign_id, p.impression_price, p.click_price
          FROM selection_plan sp LEFT JOIN selection_prices p ON true`,
  );
  const prices = new Map<string, ShadowPrices>();
  for (const row of found) {
    if (row.campaign_id !== null)
      prices.set(row.campaign_id, {
        impression: Number(row.impression_price),
        click: Number(row.click_price),
      });
  }
  return { version: Number(found[0]?.version ?? 0), prices };
}

/** The stored plan's pacing records, by campaign id. */
export async function loadPacing(db: Db): Promise<Map<string, PacingRecord>> {
  const found = await rows<{
    campaign_id: string;
    pace: number;
    planned_rate: number;
    day: number;
    impressions_left: number | string;
    requests_today: number | string;
  }>(
    db,
    sql`SELECT campaign_id, pace, planned_rate, day, impressions_left, requests_today FROM selection_prices`,
  );
  return new Map(
    found.map((r) => [
      r.campaign_id,
      {
        pace: Number(r.pace),
        plannedRate: Number(r.planned_rate),
        day: r.day,
        impressionsLeft: Number(r.impressions_left),
        requestsToday: Number(r.requests_today),
      },
    ]),
  );
}

/** Adds requests per (client, day); rows of clients deleted meanwhile are dropped. */
export async function addClientTraffic(
  db: Db,
  counts: readonly { clientId: string; day: number; requests: number }[],
): Promise<void> {
  for (let at = 0; at < counts.length; at += 5000) {
    const batch = counts.slice(at, at + 5000);
    await db.execute(
      sql`INSERT INTO client_traffic (client_id, day, requests)
          SELECT t.client_id, t.day, t.requests
            FROM unnest(${sql.param(batch.map((c) => c.clientId))}::uuid[], ${sql.param(batch.map((c) => c.day))}::int[],
                        ${sql.param(batch.map((c) => c.requests))}::int[]) AS t(client_id, day, requests)
            JOIN clients cl ON cl.id = t.client_id
          ON CONFLICT (day, client_id) DO UPDATE SET requests = client_traffic.requests + EXCLUDED.requests`,
    );
  }
}

/** Forgets traffic before `day`. */
export async function pruneClientTraffic(db: Db, day: number): Promise<void> {
  await db.execute(sql`DELETE FROM client_traffic WHERE day < ${day}`);
}

/** Requests per day for `from`..`to`, by day (days without traffic are absent). */
export async function loadTraffic(db: Db, from: number, to: number): Promise<Map<number, number>> {
  const found = await rows<{ day: number; requests: number | string }>(
    db,
    sql`SELECT day, sum(requests) AS requests FROM client_traffic WHERE day BETWEEN ${from} AND ${to} GROUP BY day`,
  );
  return new Map(found.map((r) => [r.day, Number(r.requests)]));
}

/** Campaigns running on some day of `day`..`lastDay` with limits left, in creation order. */
export async function loadPlanCampaigns(db: Db, day: number, lastDay: number): Promise<PlanCampaign[]> {
  const found = await rows<{
    id: string;
    advertiser_id: string;
    cost_per_impression: string;
    cost_per_click: string;
    start_date: number;
    end_date: number;
    target_gender: PlanCampaign['targetGender'];
    target_age_from: number | null;
    target_age_to: number | null;
    target_location: string | null;
    impressions_left: number | string;
    clicks_left: number | string;
  }>(
    db,
    sql`SELECT id, advertiser_id, cost_per_impression, cost_per_click, start_date, end_date, target_gender,
               target_age_from, target_age_to, target_location,
               impressions_limit - impressions_count AS impressions_left, clicks_limit - clicks_count AS clicks_left
          FROM campaigns
         WHERE start_date <= ${lastDay} AND end_date >= ${day}
           AND impressions_count < impressions_limit AND clicks_count < clicks_limit
         ORDER BY seq`,
  );
  return found.map((r) => ({
    id: r.id,
    advertiserId: r.advertiser_id,
    costPerImpression: Number(r.cost_per_impression),
    costPerClick: Number(r.cost_per_click),
    startDate: r.start_date,
    endDate: r.end_date,
    targetGender: r.target_gender,
    targetAgeFrom: r.target_age_from,
    targetAgeTo: r.target_age_to,
    targetLocation: r.target_location,
    impressionsLeft: Number(r.impressions_left),
    clicksLeft: Number(r.clicks_left),
  }));
}

/** Every client's id with its requests since `fromDay`, in id order so a seeded draw is reproducible. */
export async function loadClientActivity(db: Db, fromDay: number): Promise<{ id: string; recent: number }[]> {
  const found = await rows<{ id: string; recent: number | string }>(
    db,
    sql`SELECT cl.id, coalesce(t.n, 0) AS recent
          FROM clients cl
          LEFT JOIN (SELECT client_id, sum(requests) AS n FROM client_traffic WHERE day >= ${fromDay} GROUP BY client_id) t
            ON t.client_id = cl.id
         ORDER BY cl.id`,
  );
  return found.map((r) => ({ id: r.id, recent: Number(r.recent) }));
}

export type SampledClient = {
  id: string;
  age: number;
  gender: string;
  location: string;
  scores: Record<string, number>;
  seen: string[];
  clicked: string[];
};

/** Profile, ML scores and seen campaigns of the given clients. */
export async function loadSampledClients(db: Db, ids: readonly string[]): Promise<SampledClient[]> {
  if (ids.length === 0) return [];
  return rows<SampledClient>(
    db,
    sql`SELECT cl.id, cl.age, cl.gender, cl.location,
               coalesce((SELECT json_object_agg(s.advertiser_id, s.score) FROM ml_scores s
                          WHERE s.client_id = cl.id), '{}'::json) AS scores,
               coalesce((SELECT json_agg(i.campaign_id) FROM impressions i
                          WHERE i.client_id = cl.id), '[]'::json) AS seen,
               coalesce((SELECT json_agg(k.campaign_id) FROM clicks k
                          WHERE k.client_id = cl.id), '[]'::json) AS clicked
          FROM clients cl
         WHERE cl.id = ANY(${sql.param([...ids])}::uuid[])`,
  );
}
