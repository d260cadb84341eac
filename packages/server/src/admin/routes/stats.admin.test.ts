import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adminAgent, login } from '../../../test/admin.ts';
import { getAd, seed, useTestApp } from '../../../test/helper.ts';
import { pageLinks } from './stats.admin.ts';

const MAX_DAY = 2_147_483_647;

/** The number of points of each polyline of a page. */
const polylinePoints = (body: string): number[] =>
  [...body.matchAll(/<polyline fill="none" points="([^"]*)"/g)].map(([, points]) =>
    points ? points.split(' ').length : 0,
  );

describe('issue 12: the advertiser statistics page is bounded', () => {
  const t = useTestApp();

  test('at current_date 2^31 − 1 the charts show the last 3660 days, like the API', {
    timeout: 60_000,
  }, async () => {
    const s = seed(t.app);
    const advertiser = await s.advertiser({ name: 'Far future' });
    await s.campaign(advertiser.advertiser_id, {
      ad_title: 'Forever',
      start_date: 0,
      end_date: MAX_DAY,
      targeting: { location: 'Far future' },
    });
    await s.advance(MAX_DAY);
    await getAd(t.app, (await s.client({ location: 'Far future' })).client_id);
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');

    const res = await agent.get(`/admin/advertisers/${advertiser.advertiser_id}/stats/`);
    assert.equal(res.statusCode, 200);
    const points = polylinePoints(res.body);
    // Advertiser and campaign: events (2 lines) and spend (3 lines) each.
    assert.equal(points.length, 10);
    for (const n of points) assert.equal(n, 3660);
    assert.match(res.body, new RegExp(`days ${MAX_DAY - 3659}–${MAX_DAY}`));
    assert.ok(res.body.length < 10_000_000, `${res.body.length} bytes`);
  });

  test('the campaign picker lists the newest 100 (and the one asked for), titles cut; the paginator a few pages', async () => {
    const s = seed(t.app);
    const advertiser = await s.advertiser({ name: 'Many campaigns' });
    const today = (await t.app.inject({ method: 'GET', url: '/time' })).json() as { current_date: number };
    const dates = { start_date: today.current_date, end_date: today.current_date };
    const oldest = await s.campaign(advertiser.advertiser_id, { ...dates, ad_title: 'Oldest' });
    for (let i = 0; i < 104; i++) {
      await s.campaign(advertiser.advertiser_id, {
        ...dates,
        ad_title: i === 103 ? 'x'.repeat(10_000) : `C${i}`,
      });
    }
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const base = `/admin/advertisers/${advertiser.advertiser_id}/stats/`;

    const res = await agent.get(base);
    assert.equal(res.statusCode, 200);
    const options = (body: string) => [...body.matchAll(/<option value="([^"]+)"/g)].map(([, id]) => id);
    assert.equal(options(res.body).length, 100);
    assert.ok(!options(res.body).includes(oldest.campaign_id));
    const picker = res.body.slice(res.body.indexOf('<select name="campaign"'), res.body.indexOf('</select>'));
    assert.ok(picker.includes(`>${'x'.repeat(200)} (`), 'the long title is cut to 200 characters');
    assert.ok(!picker.includes('x'.repeat(201)), 'the long title is cut to 200 characters');
    // 105 campaigns, 20 a page: 1 2 3 … 6.
    const paginator = res.body.slice(res.body.indexOf('<p class="paginator">'));
    assert.match(paginator, /<span class="ellipsis">…<\/span>/);
    assert.doesNotMatch(paginator, /p=4"/);
    assert.match(paginator, /p=6"/);

    const picked = await agent.get(`${base}?campaign=${oldest.campaign_id.toUpperCase()}`);
    assert.equal(picked.statusCode, 200);
    assert.equal(options(picked.body).length, 101);
    assert.match(picked.body, new RegExp(`<option value="${oldest.campaign_id}" selected>Oldest`));
    // Anything but an id falls back to the newest campaign.
    assert.equal((await agent.get(`${base}?campaign=not-a-uuid`)).statusCode, 200);
  });
});

test('pageLinks: first, last and two either side of the current page, gaps as undefined', () => {
  assert.deepEqual(pageLinks(1, 1), [1]);
  assert.deepEqual(pageLinks(1, 6), [1, 2, 3, undefined, 6]);
  assert.deepEqual(pageLinks(4, 7), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(pageLinks(50, 1_000_000), [1, undefined, 48, 49, 50, 51, 52, undefined, 1_000_000]);
  assert.deepEqual(pageLinks(1_000_000, 1_000_000), [1, undefined, 999_998, 999_999, 1_000_000]);
});
