import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { choiceFilter, findListRow, type ListSpec, uuidFilter } from './list-query.ts';

/**
 * The admin's read side of the platform tables: one list spec per table (what the changelist
 * selects, sorts, searches and filters) and the detail queries the change pages need; campaigns'
 * are in campaigns/campaigns.admin.repo.ts, beside the table's other SQL. Writes go
 * through each domain module, so the admin applies the same rules as the API.
 */

/** A whole number the date filters accept (a simulated day). */
const dayFilter =
  (column: SQL) =>
  (value: string): SQL | undefined =>
    /^\d{1,9}$/.test(value) ? sql`${column} = ${Number(value)}` : undefined;

export type ClientRecord = {
  id: string;
  login: string;
  age: number;
  location: string;
  gender: 'MALE' | 'FEMALE';
};

export const clientList: ListSpec = {
  select: sql`c.id, c.login, c.age, c.location, c.gender`,
  from: sql`clients c`,
  sort: {
    login: sql`c.login`,
    age: sql`c.age`,
    location: sql`c.location`,
    gender: sql`c.gender`,
  },
  defaultSort: 'login',
  tieBreak: sql`c.id`,
  search: [sql`c.id::text`, sql`c.login`, sql`c.location`],
  filters: { gender: choiceFilter({ MALE: sql`c.gender = 'MALE'`, FEMALE: sql`c.gender = 'FEMALE'` }) },
};

export async function findClientRecord(db: Db, id: string): Promise<ClientRecord | undefined> {
  return findListRow<ClientRecord>(db, clientList, sql`c.id = ${id}::uuid`);
}

export type AdvertiserRecord = { id: string; name: string; campaigns: number };

export const advertiserList: ListSpec = {
  select: sql`a.id, a.name, (SELECT count(*)::int8 FROM campaigns x WHERE x.advertiser_id = a.id) AS campaigns`,
  from: sql`advertisers a`,
  sort: { name: sql`a.name` },
  defaultSort: 'name',
  tieBreak: sql`a.id`,
  search: [sql`a.id::text`, sql`a.name`],
  filters: {},
};

export async function findAdvertiserRecord(db: Db, id: string): Promise<AdvertiserRecord | undefined> {
  const row = await findListRow<AdvertiserRecord>(db, advertiserList, sql`a.id = ${id}::uuid`);
  return row && { ...row, campaigns: Number(row.campaigns) };
}

export type MlScoreRecord = {
  clientId: string;
  advertiserId: string;
  score: number;
  clientLogin: string;
  advertiserName: string;
};

export const mlScoreList: ListSpec = {
  select: sql`s.client_id AS "clientId", s.advertiser_id AS "advertiserId", s.score,
    c.login AS "clientLogin", a.name AS "advertiserName"`,
  from: sql`ml_scores s JOIN clients c ON c.id = s.client_id JOIN advertisers a ON a.id = s.advertiser_id`,
  sort: { score: sql`s.score`, client: sql`c.login`, advertiser: sql`a.name` },
  defaultSort: '-score',
  tieBreak: sql`s.client_id, s.advertiser_id`,
  search: [sql`s.client_id::text`, sql`s.advertiser_id::text`, sql`c.login`, sql`a.name`],
  filters: { advertiser: uuidFilter(sql`s.advertiser_id`), client: uuidFilter(sql`s.client_id`) },
};

export async function findMlScoreRecord(
  db: Db,
  clientId: string,
  advertiserId: string,
): Promise<MlScoreRecord | undefined> {
  return findListRow<MlScoreRecord>(
    db,
    mlScoreList,
    sql`s.client_id = ${clientId}::uuid AND s.advertiser_id = ${advertiserId}::uuid`,
  );
}

export type EventRecord = {
  id: number;
  campaignId: string;
  campaignTitle: string;
  clientId: string;
  clientLogin: string;
  date: number;
  price: string;
  createdAt: Date;
};

/** Impressions and clicks share one shape (schema.ts `eventTable`), so they share one list. */
export function eventList(table: 'impressions' | 'clicks'): ListSpec {
  return {
    select: sql`e.id, e.campaign_id AS "campaignId", x.ad_title AS "campaignTitle", e.client_id AS "clientId",
      c.login AS "clientLogin", e.date, e.price::text AS price, e.created_at AS "createdAt"`,
    from: sql`${sql.identifier(table)} e JOIN campaigns x ON x.id = e.campaign_id JOIN clients c ON c.id = e.client_id`,
    sort: {
      id: sql`e.id`,
      date: sql`e.date`,
      price: sql`e.price`,
      campaign: sql`x.ad_title`,
      client: sql`c.login`,
    },
    defaultSort: '-id',
    tieBreak: sql`e.id`,
    search: [sql`e.campaign_id::text`, sql`e.client_id::text`, sql`x.ad_title`, sql`c.login`],
    filters: {
      campaign: uuidFilter(sql`e.campaign_id`),
      client: uuidFilter(sql`e.client_id`),
      date: dayFilter(sql`e.date`),
    },
  };
}

export async function findEventRecord(
  db: Db,
  table: 'impressions' | 'clicks',
  id: number,
): Promise<EventRecord | undefined> {
  return findListRow<EventRecord>(db, eventList(table), sql`e.id = ${id}`);
}
