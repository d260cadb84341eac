import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { getAd, seed, startTestApp, type TestApp } from '../../test/helper.ts';

/** Debian's Chromium; the browser tests skip (loudly, see scripts/run-tests.mjs) without it. */
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
if (skip) console.warn(`\x1b[33m*** SKIPPING admin browser tests: ${skip} ***\x1b[0m`);

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/admin/', import.meta.url));

describe('admin in a browser', { skip }, () => {
  let started: (TestApp & { close(): Promise<void> }) | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  let advertiserId = '';

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // No worker: the LLM verdicts of the reports below are set by the test.
    started = await startTestApp({ ADNOVA_ROLES: 'api' });
    const { app, deps } = started;
    const s = seed(app);
    const advertiser = await s.advertiser({ name: 'Nova Coffee' });
    advertiserId = advertiser.advertiser_id;
    const campaign = await s.campaign(advertiserId, {
      ad_title: 'Morning coffee',
      start_date: 0,
      end_date: 6,
    });
    const rude = await s.campaign(advertiserId, { ad_title: 'Rude banner', start_date: 0, end_date: 6 });
    for (const [day, login] of ['ann', 'bob', 'cid', 'dan'].entries()) {
      const client = await s.client({ login });
      await s.score(client.client_id, advertiserId, 10 + day);
      if (day > 0) await s.advance(day);
      // Two requests: the second serves the campaign the client has not seen yet.
      for (let i = 0; i < 2; i++) assert.equal((await getAd(app, client.client_id)).statusCode, 200);
      const clicked = await app.inject({
        method: 'POST',
        url: `/ads/${campaign.campaign_id}/click`,
        payload: { client_id: client.client_id },
      });
      assert.ok([204, 403].includes(clicked.statusCode));
      for (const target of [campaign, rude]) {
        await app.inject({
          method: 'POST',
          url: `/report/${target.campaign_id}`,
          payload: { client_id: client.client_id, message: `complaint from ${login}` },
        });
      }
    }
    await deps.db.execute(sql`UPDATE reports SET flagged_by_llm = (ad_title = 'Rude banner')`);
    const counted = (
      await deps.database.query('SELECT ad_title, count(*)::int AS n FROM reports GROUP BY ad_title')
    ).rows as { ad_title: string; n: number }[];
    assert.deepEqual(counted.map((r) => [r.ad_title, Number(r.n)]).sort(), [
      ['Morning coffee', 4],
      ['Rude banner', 4],
    ]);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await started?.close();
  });

  test('log in', async () => {
    await page.goto(`${base}/admin/`);
    assert.match(page.url(), /\/admin\/login\/\?next=/);
    await shot('01-login');
    await page.fill('#id_username', 'admin');
    await page.fill('#id_password', 'admin');
    await page.click('#login-form input[type="submit"]');
    await page.waitForURL(`${base}/admin/`);
    assert.equal(await page.textContent('h1'), 'Site administration');
    assert.ok(await page.isVisible('.default-password'), 'the default-password warning is shown');
    await shot('02-home');
  });

  test('filter reports by state and LLM flag, then change a report’s state', async () => {
    await page.click('#nav-sidebar a[href="/admin/reports/"]');
    await page.waitForURL(`${base}/admin/reports/`);
    const rows = () => page.locator('#result_list tbody tr').count();
    const total = await rows();
    assert.ok(total >= 4, `reports listed: ${total}`);

    await page.click('#changelist-filter a[data-filter="state"][data-value="s"]');
    await page.waitForURL(/state=s/);
    await page.click('#changelist-filter a[data-filter="flagged"][data-value="yes"]');
    await page.waitForURL(/flagged=yes/);
    assert.match(page.url(), /state=s/);
    const flagged = await rows();
    assert.ok(flagged >= 1 && flagged < total, `flagged: ${flagged} of ${total}`);
    for (const text of await page.locator('#result_list tbody th').allTextContents()) {
      assert.match(text, /Rude banner/);
    }
    await shot('03-reports-filtered');

    // The live search (htmx) narrows the list without a page load.
    await page.fill('#searchbar', 'bob');
    await page.waitForURL(/q=bob/);
    await page.waitForFunction("document.querySelectorAll('#result_list tbody tr').length === 1");
    await page.click('#result_list tbody th a');
    await page.waitForURL(/\/admin\/reports\/[0-9a-f-]{36}\/change\//);
    assert.match((await page.textContent('h1')) ?? '', /Change report/);
    await page.check('input[name="state"][value="r"]');
    await page.click('input[name="_save"]');
    await page.waitForURL(`${base}/admin/reports/`);
    assert.match((await page.textContent('.messagelist')) ?? '', /was changed successfully/);
    await page.click('#changelist-filter a[data-filter="state"][data-value="r"]');
    await page.waitForURL(/state=r/);
    assert.equal(await rows(), 1);
    assert.match((await page.textContent('#result_list tbody')) ?? '', /Under review/);
    await shot('04-report-under-review');
  });

  test('create and delete an ads-throttle override', async () => {
    await page.goto(`${base}/admin/throttle/overrides/`);
    await page.click('.object-tools a.addlink');
    await page.waitForURL(`${base}/admin/throttle/overrides/add/`);
    await page.check('input[name="apply_to"][value="ip"]');
    assert.ok(await page.isVisible('.field-raw_ip'));
    assert.ok(await page.isHidden('.field-user'), 'fields of other targets are hidden');
    await page.check('input[name="action"][value="block"]');
    await page.fill('#id_scope', '/ads');
    await page.fill('#id_raw_ip', 'not-an-ip');
    await page.click('input[name="_save"]');
    assert.match(
      (await page.textContent('.field-raw_ip .errorlist')) ?? '',
      /Enter a valid IPv4 or IPv6 address/,
    );
    await shot('05-override-error');
    await page.fill('#id_raw_ip', '203.0.113.7');
    await page.click('input[name="_save"]');
    await page.waitForURL(`${base}/admin/throttle/overrides/`);
    assert.equal(await page.locator('#result_list tbody tr').count(), 1);
    assert.doesNotMatch(await page.content(), /203\.0\.113\.7/);
    await shot('06-override-created');

    await page.click('#result_list tbody th a');
    await page.click('a.deletelink');
    await page.waitForURL(/\/delete\/$/);
    await page.click('.delete-confirmation input[type="submit"]');
    await page.waitForURL(`${base}/admin/throttle/overrides/`);
    assert.match((await page.textContent('.messagelist')) ?? '', /was deleted successfully/);
    assert.match((await page.textContent('#result_list tbody')) ?? '', /No results/);
  });

  test('switch to Russian', async () => {
    await page.click('.language-switch button[value="ru"]');
    await page.waitForURL(`${base}/admin/throttle/overrides/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    assert.match((await page.textContent('#nav-sidebar')) ?? '', /Жалобы/);
    assert.match((await page.textContent('.breadcrumbs')) ?? '', /Ограничение показов рекламы/);
    await page.goto(`${base}/admin/`);
    assert.equal(await page.textContent('h1'), 'Администрирование сайта');
    await shot('07-russian');
  });

  test('open the statistics page and see a chart', async () => {
    await page.goto(`${base}/admin/advertisers/${advertiserId}/stats/`);
    const chart = page.locator('#advertiser-charts svg.chart-svg').first();
    assert.ok(await chart.isVisible());
    assert.ok((await chart.locator('polyline').count()) >= 2);
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, 'the chart is drawn at a readable size');
    assert.ok((await page.locator('#campaign-charts svg.chart-svg').count()) >= 1);
    assert.match((await page.textContent('h1')) ?? '', /Статистика: Nova Coffee/);
    await shot('08-statistics');
  });
});
