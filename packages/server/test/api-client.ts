import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CampaignBody } from './helper.ts';

/**
 * The API over real HTTP, for tests that start the server as a process (`server-process.ts`);
 * in-process tests use `helper.ts` and Fastify's `inject` instead.
 */

export const postJson = (url: string, body: unknown, method = 'POST'): Promise<Response> =>
  fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The response's status, its body read (so the connection is free again). */
export async function statusOf(response: Promise<Response>): Promise<number> {
  const res = await response;
  await res.arrayBuffer();
  return res.status;
}

export type CampaignFields = Omit<CampaignBody, 'targeting'>;

/** A campaign running from day 0 to 3 with `fields` on top. */
export const campaignBody = (fields: Partial<CampaignFields> = {}): CampaignFields => ({
  impressions_limit: 1000,
  clicks_limit: 1000,
  cost_per_impression: 1,
  cost_per_click: 2,
  ad_title: 't',
  ad_text: 'x',
  start_date: 0,
  end_date: 3,
  ...fields,
});

/** Adds `count` alike clients (age 30, location X) and returns their ids. */
export async function addClients(base: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const body = ids.map((client_id) => ({ client_id, login: 'c', age: 30, location: 'X', gender: 'MALE' }));
  assert.equal(await statusOf(postJson(`${base}/clients/bulk`, body)), 201);
  return ids;
}

/** An advertiser with a campaign per entry of `campaigns` (see `campaignBody`); their ids. */
export async function addAdvertiser(
  base: string,
  campaigns: Array<Partial<CampaignFields>> = [],
): Promise<{
  advertiser: string;
  campaigns: string[];
  addCampaign(fields?: Partial<CampaignFields>): Promise<string>;
}> {
  const advertiser = randomUUID();
  assert.equal(
    await statusOf(postJson(`${base}/advertisers/bulk`, [{ advertiser_id: advertiser, name: 'A' }])),
    201,
  );
  const addCampaign = async (fields: Partial<CampaignFields> = {}) => {
    const res = await postJson(`${base}/advertisers/${advertiser}/campaigns`, campaignBody(fields));
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { campaign_id: string }).campaign_id;
  };
  const ids: string[] = [];
  for (const fields of campaigns) ids.push(await addCampaign(fields));
  return { advertiser, campaigns: ids, addCampaign };
}

/** `GET /ads` for `client`: the status, and the ad's id when one was served. */
export async function adFor(base: string, client: string): Promise<{ status: number; adId?: string }> {
  const res = await fetch(`${base}/ads?client_id=${client}`);
  if (res.status !== 200) {
    await res.arrayBuffer();
    return { status: res.status };
  }
  return { status: 200, adId: ((await res.json()) as { ad_id: string }).ad_id };
}
