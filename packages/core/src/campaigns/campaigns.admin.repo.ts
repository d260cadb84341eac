import { sql } from 'drizzle-orm';
import { booleanFilter, choiceFilter, type ListSpec, uuidFilter } from '../admin/list-query.ts';
import { type Db, rows } from '../db/database.ts';

/**
 * The admin panel's reads of `campaigns` (admin/records.ts uses them): the changelist, the owner
 * of one campaign, and the statistics page's picker. Writes go through campaigns.ts, so the admin
 * applies the same rules as the API.
 */

const today = sql`(SELECT day FROM platform_clock)`;

export type CampaignListRecord = {
  id: string;
  advertiserId: string;
  advertiserName: string;
  adTitle: string;
  startDate: number;
  endDate: number;
  impressionsLimit: number;
  clicksLimit: number;
  impressionsCount: number;
  clicksCount: number;
  costPerImpression: string;
  costPerClick: string;
  hasImage: boolean;
};

export const campaignList: ListSpec = {
  select: sql`x.id, x.advertiser_id AS "advertiserId", a.name AS "advertiserName", x.ad_title AS "adTitle",
    x.start_date AS "startDate", x.end_date AS "endDate", x.impressions_limit AS "impressionsLimit",
    x.clicks_limit AS "clicksLimit", x.impressions_count AS "impressionsCount", x.clicks_count AS "clicksCount",
    x.cost_per_impression::text AS "costPerImpression", x.cost_per_click::text AS "costPerClick",
    (x.ad_image_key IS NOT NULL) AS "hasImage"`,
  from: sql`campaigns x JOIN advertisers a ON a.id = x.advertiser_id`,
  sort: {
    title: sql`x.ad_title`,
    advertiser: sql`a.name`,
    start_date: sql`x.start_date`,
    end_date: sql`x.end_date`,
    cost_per_impression: sql`x.cost_per_impression`,
    cost_per_click: sql`x.cost_per_click`,
    impressions: sql`x.impressions_count`,
    clicks: sql`x.clicks_count`,
    created: sql`x.seq`,
  },
  defaultSort: '-created',
  tieBreak: sql`x.id`,
  search: [sql`x.id::text`, sql`x.ad_title`, sql`x.ad_text`, sql`a.name`, sql`x.advertiser_id::text`],
  filters: {
    advertiser: uuidFilter(sql`x.advertiser_id`),
    status: choiceFilter({
      upcoming: sql`x.start_date > ${today}`,
      active: sql`x.start_date <= ${today} AND x.end_date >= ${today}`,
      ended: sql`x.end_date < ${today}`,
    }),
    image: booleanFilter(sql`(x.ad_image_key IS NOT NULL)`),
    gender: choiceFilter({
      MALE: sql`x.target_gender = 'MALE'`,
      FEMALE: sql`x.target_gender = 'FEMALE'`,
      ALL: sql`(x.target_gender IS NULL OR x.target_gender = 'ALL')`,
    }),
  },
};

/** The campaign row by id alone (the admin is not scoped to one advertiser), with its advertiser's name. */
export async function findCampaignOwner(
  db: Db,
  id: string,
): Promise<
  { advertiserId: string; advertiserName: string; impressionsCount: number; clicksCount: number } | undefined
> {
  const [row] = await rows<{
    advertiserId: string;
    advertiserName: string;
    impressionsCount: number | string;
    clicksCount: number | string;
  }>(
    db,
    sql`SELECT x.advertiser_id AS "advertiserId", a.name AS "advertiserName",
               x.impressions_count AS "impressionsCount", x.clicks_count AS "clicksCount"
          FROM campaigns x JOIN advertisers a ON a.id = x.advertiser_id WHERE x.id = ${id}::uuid`,
  );
  return (
    row && { ...row, impressionsCount: Number(row.impressionsCount), clicksCount: Number(row.clicksCount) }
  );
}

/** Characters of a title the statistics page's picker shows (titles may hold 10,000). */
export const PICKER_TITLE_CHARS = 200;

/**
 * The advertiser's newest `limit` campaigns (id, title cut to `PICKER_TITLE_CHARS`, dates), newest
 * first, plus the campaign `include` when it is theirs and older: the statistics page's picker.
 * Bounded, so an advertiser with a hundred thousand campaigns does not make a page of megabytes.
 */
export async function listCampaignTitles(
  db: Db,
  advertiserId: string,
  limit: number,
  include?: string,
): Promise<{ id: string; adTitle: string; startDate: number; endDate: number }[]> {
  const columns = sql`id, left(ad_title, ${PICKER_TITLE_CHARS}) AS "adTitle", start_date AS "startDate",
    end_date AS "endDate", seq`;
  const included = include
    ? sql`UNION SELECT ${columns} FROM campaigns
           WHERE advertiser_id = ${advertiserId}::uuid AND id = ${include}::uuid`
    : sql``;
  return rows(
    db,
    sql`SELECT id, "adTitle", "startDate", "endDate" FROM (
          (SELECT ${columns} FROM campaigns WHERE advertiser_id = ${advertiserId}::uuid
            ORDER BY seq DESC LIMIT ${limit})
          ${included}) t
        ORDER BY seq DESC`,
  );
}
