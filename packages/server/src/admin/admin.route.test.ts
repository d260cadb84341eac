import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getStaffUser } from '@adnova/core/admin/users';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import {
  adminAgent,
  csrfFrom,
  decodeEntities,
  encodeForm,
  fieldErrors,
  login,
  STAFF_PASSWORD,
  staffAgent,
} from '../../test/admin.ts';
import { buildTestApp, getAd, seed, type TestApp, useTestApp } from '../../test/helper.ts';
import { multipartBody } from '../../test/multipart.ts';

/** A tenant with one of everything: advertiser, client, campaign, score, impression, click, report. */
async function world(t: TestApp) {
  const s = seed(t.app);
  const advertiser = await s.advertiser({ name: 'Nova Coffee' });
  const client = await s.client({ login: 'ann' });
  const campaign = await s.campaign(advertiser.advertiser_id, {
    ad_title: 'Morning coffee',
    start_date: 0,
    end_date: 5,
  });
  await s.score(client.client_id, advertiser.advertiser_id, 10);
  assert.equal((await getAd(t.app, client.client_id)).statusCode, 200);
  const clicked = await t.app.inject({
    method: 'POST',
    url: `/ads/${campaign.campaign_id}/click`,
    payload: { client_id: client.client_id },
  });
  assert.equal(clicked.statusCode, 204);
  const reported = await t.app.inject({
    method: 'POST',
    url: `/report/${campaign.campaign_id}`,
    payload: { client_id: client.client_id, message: 'rude' },
  });
  assert.equal(reported.statusCode, 200);
  const [report] = await reportIds(t, campaign.campaign_id);
  const [impression] = (
    (await t.deps.db.execute(
      sql`SELECT id FROM impressions WHERE campaign_id = ${campaign.campaign_id}::uuid`,
    )) as unknown as { rows: { id: number }[] }
  ).rows;
  return { advertiser, client, campaign, reportId: String(report), impressionId: String(impression?.id) };
}

async function reportIds(t: TestApp, campaignId: string): Promise<string[]> {
  const result = (await t.deps.db.execute(
    sql`SELECT id, state, flagged_by_llm FROM reports WHERE campaign_id = ${campaignId}::uuid`,
  )) as unknown as { rows: { id: string }[] };
  return result.rows.map((r) => r.id);
}

describe('admin: access', () => {
  const t = useTestApp();

  test('anonymous visitors are sent to the login page, with where they wanted to go', async () => {
    const res = await adminAgent(t.app).get('/admin/reports/?state=s');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/admin/login/?next=${encodeURIComponent('/admin/reports/?state=s')}`);
  });

  test('the first start created admin/admin, and the home page warns about it', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const home = await agent.get('/admin/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /class="errornote default-password"/);
    assert.match(home.body, /still has the default password/);
  });

  test('session cookies are signed, HttpOnly and SameSite=Lax; logout revokes the session', async () => {
    const agent = adminAgent(t.app);
    const page = await agent.get('/admin/login/');
    const res = await agent.request({
      method: 'POST',
      url: '/admin/login/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: encodeForm({
        _csrf: csrfFrom(page.body),
        username: 'admin',
        password: 'admin',
        next: '/admin/clients/',
      }),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/clients/');
    const cookie = res.cookies.find((c) => c.name === 'adnova_admin_session');
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/admin');
    assert.equal(cookie.secure, undefined, 'not Secure on an http PUBLIC_BASE_URL');
    assert.match(cookie.value, /\./, 'signed');
    const stolen = cookie.value;

    // A tampered signature is not a session.
    const forged = await t.app.inject({
      method: 'GET',
      url: '/admin/',
      cookies: { adnova_admin_session: `${stolen.split('.')[0]}.AAAA` },
    });
    assert.equal(forged.statusCode, 303);

    assert.equal((await agent.get('/admin/')).statusCode, 200);
    const out = await agent.post('/admin/logout/', {});
    assert.equal(out.statusCode, 200);
    assert.match(out.body, /Logged out/);
    const replay = await t.app.inject({
      method: 'GET',
      url: '/admin/',
      cookies: { adnova_admin_session: stolen },
    });
    assert.equal(replay.statusCode, 303, 'the old cookie no longer works after logout');
  });

  test('wrong credentials give the login form again with an error; the next parameter cannot leave the admin', async () => {
    const agent = adminAgent(t.app);
    const res = await agent.post('/admin/login/', { username: 'admin', password: 'nope', next: '/admin/' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Please enter the correct username and password/);
    const open = await agent.post('/admin/login/', {
      username: 'admin',
      password: 'admin',
      next: '//evil.example/',
    });
    assert.equal(open.statusCode, 303);
    assert.equal(open.headers.location, '/admin/');
  });

  test('staff pages need a superuser for users and groups', async () => {
    const { agent } = await staffAgent(t.app, t.deps, ['report.view']);
    for (const url of [
      '/admin/users/',
      '/admin/groups/',
      '/admin/users/add/',
      '/admin/groups/add/',
      '/admin/users/1/change/',
    ]) {
      assert.equal((await agent.get(url)).statusCode, 403, url);
    }
    const home = await agent.get('/admin/');
    assert.match(home.body, /href="\/admin\/reports\/"/);
    assert.doesNotMatch(home.body, /href="\/admin\/clients\/"/);
    assert.doesNotMatch(home.body, /href="\/admin\/users\/"/);
  });
});

describe('admin: login rate limiting', () => {
  const t = useTestApp({ ADMIN_LOGIN_MAX_ATTEMPTS: '2', ADMIN_LOGIN_WINDOW_SECONDS: '600' });

  test('after too many attempts for a username from one IP, even the right password is refused with 429', async () => {
    const { username } = await staffAgent(t.app, t.deps);
    const agent = adminAgent(t.app);
    assert.equal((await agent.post('/admin/login/', { username, password: 'wrong-1' })).statusCode, 400);
    assert.equal((await agent.post('/admin/login/', { username, password: 'wrong-2' })).statusCode, 400);
    const blocked = await agent.post('/admin/login/', { username, password: STAFF_PASSWORD });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.headers['retry-after'], '600');
    assert.match(blocked.body, /Too many failed login attempts/);
    // Another account from the same address is not affected.
    const other = await staffAgent(t.app, t.deps);
    assert.ok(other.userId);
  });

  test('a successful login resets the count', async () => {
    const { username } = await staffAgent(t.app, t.deps);
    const agent = adminAgent(t.app);
    assert.equal((await agent.post('/admin/login/', { username, password: 'wrong' })).statusCode, 400);
    await login(agent, username, STAFF_PASSWORD);
    const again = adminAgent(t.app);
    assert.equal((await again.post('/admin/login/', { username, password: 'wrong' })).statusCode, 400);
    await login(again, username, STAFF_PASSWORD);
  });
});

describe('admin: CSRF', () => {
  const t = useTestApp();

  test('a POST without a token is refused with 403 before anything happens', async () => {
    const anonymous = adminAgent(t.app);
    const res = await anonymous.post(
      '/admin/login/',
      { username: 'admin', password: 'admin' },
      { csrf: false },
    );
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /CSRF verification failed/);
    assert.equal(anonymous.cookies.has('adnova_admin_session'), false);

    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const before = await agent.get('/admin/advertisers/?q=Forged');
    const missing = await agent.post('/admin/advertisers/add/', { name: 'Forged' }, { csrf: false });
    assert.equal(missing.statusCode, 403);
    const wrong = await agent.post('/admin/advertisers/add/', { name: 'Forged' }, { csrf: 'not-a-token' });
    assert.equal(wrong.statusCode, 403);
    // A token minted for another browser (another secret cookie) does not fit this one.
    const other = adminAgent(t.app);
    const foreign = csrfFrom((await other.get('/admin/login/')).body);
    assert.equal(
      (await agent.post('/admin/advertisers/add/', { name: 'Forged' }, { csrf: foreign })).statusCode,
      403,
    );
    const after = await agent.get('/admin/advertisers/?q=Forged');
    assert.match(before.body, /0 results/);
    assert.match(after.body, /0 results/);
  });

  test('htmx requests carry the token in the X-CSRF-Token header', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const page = await agent.get('/admin/');
    const header = /hx-headers="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&quot;', '"') ?? '{}';
    const token = (JSON.parse(header) as Record<string, string>)['X-CSRF-Token'] ?? '';
    const res = await agent.request({
      method: 'POST',
      url: '/admin/advertisers/add/',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-csrf-token': token,
        'hx-request': 'true',
      },
      payload: encodeForm({ name: 'Via htmx' }),
    });
    assert.equal(res.statusCode, 303);
  });
});

describe('admin: permissions', () => {
  const t = useTestApp();

  test('a staff user without a permission gets 403 on every action of every resource', async () => {
    const w = await world(t);
    const rule = await t.deps.throttle.createOverride({ applyTo: 'all', action: 'block', scope: '/nowhere' });
    const { agent } = await staffAgent(t.app, t.deps);
    const a = w.advertiser.advertiser_id;
    const c = w.client.client_id;
    const campaign = w.campaign.campaign_id;
    const routes: [string, string][] = [];
    const crud = (base: string, id: string, add = true) => {
      routes.push(['GET', `${base}/`], ['GET', `${base}/${id}/change/`], ['POST', `${base}/${id}/change/`]);
      routes.push(['GET', `${base}/${id}/delete/`], ['POST', `${base}/${id}/delete/`]);
      if (add) routes.push(['GET', `${base}/add/`], ['POST', `${base}/add/`]);
    };
    crud('/admin/advertisers', a);
    routes.push(
      ['GET', `/admin/advertisers/${a}/stats/`],
      ['POST', `/admin/advertisers/${a}/telegram-code/`],
    );
    crud('/admin/clients', c);
    crud('/admin/ml-scores', `${c}/${a}`);
    crud('/admin/campaigns', campaign, false);
    routes.push(
      ['POST', `/admin/campaigns/${campaign}/image/`],
      ['POST', `/admin/campaigns/${campaign}/image/delete/`],
    );
    routes.push(['GET', '/admin/impressions/'], ['GET', `/admin/impressions/${w.impressionId}/change/`]);
    routes.push(['GET', '/admin/clicks/'], ['GET', '/admin/clicks/1/change/']);
    crud('/admin/reports', w.reportId, false);
    routes.push(['POST', '/admin/reports/']);
    routes.push(['GET', '/admin/throttle/settings/'], ['POST', '/admin/throttle/settings/']);
    routes.push(['GET', '/admin/throttle/settings/delete/'], ['POST', '/admin/throttle/settings/delete/']);
    crud('/admin/throttle/overrides', rule.id);
    routes.push(
      ['GET', '/admin/throttle/events/'],
      ['GET', '/admin/throttle/events/1/delete/'],
      ['POST', '/admin/throttle/events/1/delete/'],
    );
    crud('/admin/users', '1');
    routes.push(['GET', '/admin/users/1/password/'], ['POST', '/admin/users/1/password/']);
    crud('/admin/groups', '1');

    for (const [method, url] of routes) {
      const res =
        method === 'GET'
          ? await agent.get(url)
          : await agent.post(url, { name: 'x', state: 'f', action: 'delete', ids: w.reportId, post: 'yes' });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.match(res.body, /403 Forbidden/);
    }
    // Nothing was touched.
    const ids = await reportIds(t, campaign);
    assert.deepEqual(ids, [w.reportId]);
    assert.equal((await t.app.inject({ method: 'GET', url: `/clients/${c}` })).statusCode, 200);
    assert.equal((await t.deps.throttle.getOverride(rule.id)).id, rule.id);
  });

  test('view without change shows a read-only page and refuses the save; change allows it', async () => {
    const w = await world(t);
    const viewer = await staffAgent(t.app, t.deps, ['report.view']);
    const page = await viewer.agent.get(`/admin/reports/${w.reportId}/change/`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /View report/);
    assert.doesNotMatch(page.body, /name="_save"/);
    assert.equal(
      (await viewer.agent.post(`/admin/reports/${w.reportId}/change/`, { state: 't' })).statusCode,
      403,
    );
    assert.equal((await viewer.agent.get(`/admin/reports/${w.reportId}/delete/`)).statusCode, 403);

    const moderator = await staffAgent(t.app, t.deps, ['report.change']);
    const saved = await moderator.agent.post(`/admin/reports/${w.reportId}/change/`, { state: 't' });
    assert.equal(saved.statusCode, 303);
    const list = await moderator.agent.get('/admin/reports/?state=t');
    assert.match(list.body, /ann &gt; Morning coffee/);
  });

  test('permissions granted through a group count; removing the group takes them away', async () => {
    const admin = adminAgent(t.app);
    await login(admin, 'admin', 'admin');
    const created = await admin.post('/admin/groups/add/', {
      name: 'Moderators',
      permissions: ['report.view', 'report.change'],
    });
    assert.equal(created.statusCode, 303);
    const groups = await admin.get('/admin/groups/?q=Moderators');
    const groupId = /href="\/admin\/groups\/(\d+)\/change\/"/.exec(groups.body)?.[1];
    assert.ok(groupId);
    const staff = await staffAgent(t.app, t.deps);
    assert.equal((await staff.agent.get('/admin/reports/')).statusCode, 403);
    const user = await getStaffUser(t.deps, staff.userId);
    const joined = await admin.post(`/admin/users/${staff.userId}/change/`, {
      username: user.username,
      email: 'mod@example.com',
      language: '',
      is_active: 'on',
      groups: groupId,
    });
    assert.equal(joined.statusCode, 303);
    assert.equal((await staff.agent.get('/admin/reports/')).statusCode, 200);
    assert.equal((await admin.post(`/admin/groups/${groupId}/delete/`, { post: 'yes' })).statusCode, 303);
    assert.equal((await staff.agent.get('/admin/reports/')).statusCode, 403);
  });

  test('deactivating a user ends its sessions; the last superuser cannot be demoted', async () => {
    const admin = adminAgent(t.app);
    await login(admin, 'admin', 'admin');
    const staff = await staffAgent(t.app, t.deps, ['client.view']);
    assert.equal((await staff.agent.get('/admin/clients/')).statusCode, 200);
    const user = await getStaffUser(t.deps, staff.userId);
    const res = await admin.post(`/admin/users/${staff.userId}/change/`, {
      username: user.username,
      permissions: 'client.view',
    });
    assert.equal(res.statusCode, 303);
    assert.equal((await staff.agent.get('/admin/clients/')).statusCode, 303, 'logged out');

    const self = await admin.get('/admin/users/?q=admin');
    const adminId = /href="\/admin\/users\/(\d+)\/change\/">admin</.exec(self.body)?.[1];
    assert.ok(adminId);
    const demote = await admin.post(`/admin/users/${adminId}/change/`, {
      username: 'admin',
      is_active: 'on',
    });
    assert.equal(demote.statusCode, 400);
    assert.deepEqual(fieldErrors(demote.body, 'is_superuser'), [
      'At least one active superuser must remain.',
    ]);
    const suicide = await admin.post(`/admin/users/${adminId}/delete/`, { post: 'yes' });
    assert.equal(suicide.statusCode, 400);
    assert.match(suicide.body, /You cannot delete your own account/);
  });
});

describe('admin: forms', () => {
  const t = useTestApp();

  test('client form: each bad field gets its own message; a good one saves through the domain', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const bad = await agent.post('/admin/clients/add/', {
      client_id: 'nope',
      login: ' ',
      age: '1.5',
      location: 'Moscow',
      gender: 'X',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Please correct the errors below/);
    assert.deepEqual(fieldErrors(bad.body, 'client_id'), ['Enter a valid UUID.']);
    assert.deepEqual(fieldErrors(bad.body, 'login'), ['This field is required.']);
    assert.deepEqual(fieldErrors(bad.body, 'age'), ['Enter a whole number.']);
    assert.deepEqual(fieldErrors(bad.body, 'gender'), ['Select a valid choice.']);
    assert.match(bad.body, /value="Moscow"/, 'valid input is kept');

    const range = await agent.post('/admin/clients/add/', {
      login: 'bob',
      age: '101',
      location: 'Kazan',
      gender: 'MALE',
    });
    assert.deepEqual(fieldErrors(range.body, 'age'), ['Ensure this value is less than or equal to 100.']);

    const ok = await agent.post('/admin/clients/add/', {
      login: 'bob<script>',
      age: '33',
      location: 'Kazan',
      gender: 'MALE',
    });
    assert.equal(ok.statusCode, 303);
    const list = await agent.get('/admin/clients/?q=bob');
    assert.match(list.body, /bob&lt;script&gt;/);
    assert.doesNotMatch(list.body, /bob<script>/);
    assert.match(list.body, /was added successfully/);
  });

  test('advertiser add is one insert: of concurrent adds of one id exactly one saves, the others are told it is taken', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const id = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const answers = await Promise.all(
      ['First', 'Second', 'Third', 'Fourth'].map((name) =>
        agent.post('/admin/advertisers/add/', { advertiser_id: id, name }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode).sort(),
      [303, 400, 400, 400],
      answers.map((a) => a.statusCode).join(),
    );
    for (const taken of answers.filter((a) => a.statusCode === 400))
      assert.deepEqual(fieldErrors(taken.body, 'advertiser_id'), ['A record with this ID already exists.']);
    const saved = await t.app.inject({ method: 'GET', url: `/advertisers/${id}` });
    const winner = ['First', 'Second', 'Third', 'Fourth'][answers.findIndex((a) => a.statusCode === 303)];
    assert.equal(
      (saved.json() as { name: string }).name,
      winner,
      'the one that saved is the one that said so',
    );
  });

  test('campaign form applies the API rules: cross-field errors by the field, frozen fields after start', async () => {
    const s = seed(t.app);
    const advertiser = await s.advertiser();
    const campaign = await s.campaign(advertiser.advertiser_id, { start_date: 50, end_date: 60 });
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const url = `/admin/campaigns/${campaign.campaign_id}/change/`;
    const form = {
      impressions_limit: '10',
      clicks_limit: '20',
      start_date: '50',
      end_date: '60',
      cost_per_impression: '0.5',
      cost_per_click: '1',
      ad_title: 'T',
      ad_text: 'X',
      gender: '',
      age_from: '',
      age_to: '',
      location: '',
    };
    const bad = await agent.post(url, form);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(fieldErrors(bad.body, 'clicks_limit'), [
      "clicks_limit can't be greater than impressions_limit.",
    ]);
    const ages = await agent.post(url, {
      ...form,
      clicks_limit: '5',
      age_from: '40',
      age_to: '30',
      cost_per_click: '-1',
    });
    assert.deepEqual(fieldErrors(ages.body, 'cost_per_click'), [
      'Ensure this value is greater than or equal to 0.',
    ]);
    const ages2 = await agent.post(url, { ...form, clicks_limit: '5', age_from: '40', age_to: '30' });
    assert.deepEqual(fieldErrors(ages2.body, 'age_from'), ["age_from can't be greater than age_to."]);
    const ok = await agent.post(url, {
      ...form,
      clicks_limit: '5',
      ad_title: 'Censored',
      location: 'Moscow',
    });
    assert.equal(ok.statusCode, 303);
    const stored = await t.app.inject({
      method: 'GET',
      url: `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
    });
    assert.equal(stored.json().ad_title, 'Censored');
    assert.equal(stored.json().impressions_limit, 10);
    assert.equal(stored.json().targeting.location, 'Moscow');

    await s.advance(55);
    const started = await agent.get(url);
    assert.doesNotMatch(started.body, /name="impressions_limit"/, 'frozen fields are read-only');
    assert.match(started.body, /can no longer change/);
    const { impressions_limit: _i, clicks_limit: _c, start_date: _s, end_date: _e, ...editable } = form;
    const censored = await agent.post(url, { ...editable, ad_title: 'Clean title' });
    assert.equal(censored.statusCode, 303);
    const forged = await agent.post(url, { ...editable, impressions_limit: '999' });
    assert.equal(forged.statusCode, 403, 'a frozen field changed after start is refused as by PUT');
  });

  test('campaign image: upload, preview, delete through the domain', async () => {
    const s = seed(t.app);
    const advertiser = await s.advertiser();
    // The suite's clock was moved by the test before; this campaign starts later still.
    const campaign = await s.campaign(advertiser.advertiser_id, { start_date: 100, end_date: 200 });
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const url = `/admin/campaigns/${campaign.campaign_id}/change/`;
    const token = csrfFrom((await agent.get(url)).body);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const bogus = multipartBody([
      { name: '_csrf', value: token },
      { name: 'ad_image', filename: 'x.png', contentType: 'image/png', data: Buffer.from('not an image') },
    ]);
    const rejected = await agent.request({
      method: 'POST',
      url: `/admin/campaigns/${campaign.campaign_id}/image/`,
      ...bogus,
    });
    assert.equal(rejected.statusCode, 303);
    assert.match((await agent.get(url)).body, /File must be a valid image/);

    const body = multipartBody([
      { name: '_csrf', value: token },
      { name: 'ad_image', filename: 'x.png', contentType: 'image/png', data: png },
    ]);
    const uploaded = await agent.request({
      method: 'POST',
      url: `/admin/campaigns/${campaign.campaign_id}/image/`,
      ...body,
    });
    assert.equal(uploaded.statusCode, 303);
    const page = await agent.get(url);
    assert.match(page.body, /<img src="http:\/\/adnova\.test\/media\/campaigns\//);
    const noToken = multipartBody([
      { name: 'ad_image', filename: 'x.png', contentType: 'image/png', data: png },
    ]);
    assert.equal(
      (
        await agent.request({
          method: 'POST',
          url: `/admin/campaigns/${campaign.campaign_id}/image/`,
          ...noToken,
        })
      ).statusCode,
      403,
    );

    assert.equal(
      (await agent.post(`/admin/campaigns/${campaign.campaign_id}/image/delete/`, {})).statusCode,
      303,
    );
    const api = await t.app.inject({
      method: 'GET',
      url: `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
    });
    assert.equal(api.json().ad_image, null);
  });

  test('throttle override: validation as in the spec, raw IP hashed and never stored or echoed', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const bad = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'ip',
      action: 'block',
      raw_ip: 'not-an-ip',
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(fieldErrors(bad.body, 'raw_ip'), ['Enter a valid IPv4 or IPv6 address.']);
    assert.doesNotMatch(bad.body, /value="not-an-ip"/);
    const scope = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'ip',
      action: 'block',
      scope: 'bad',
    });
    assert.match(scope.body, /Scope must be empty or start with &#39;\/&#39;/);
    const user = await agent.post('/admin/throttle/overrides/add/', { apply_to: 'user', action: 'show' });
    assert.match(user.body, /Provide a user or viewer ID for the override/);
    const missing = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'user',
      action: 'show',
      user: '0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11',
    });
    assert.deepEqual(fieldErrors(missing.body, 'user'), ['No client has this ID.']);
    const expiry = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'all',
      action: 'block',
      expires_at: 'tomorrow',
    });
    assert.deepEqual(fieldErrors(expiry.body, 'expires_at'), ['Enter a valid date and time.']);

    const ok = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'ip',
      action: 'block',
      raw_ip: '2001:0DB8:0000::0001',
      scope: '/ads',
      expires_at: '2999-01-01T00:00',
    });
    assert.equal(ok.statusCode, 303);
    const list = await agent.get('/admin/throttle/overrides/');
    const hash = t.deps.throttle.hashIp('2001:db8::1');
    assert.match(list.body, new RegExp(hash.slice(0, 12)));
    assert.doesNotMatch(list.body, /2001:0DB8/i);
    const found = await agent.get('/admin/throttle/overrides/?q=2001:db8::1');
    assert.match(found.body, /1 results/);
    const rows = (await t.deps.database.query('SELECT * FROM ads_throttle_overrides')).rows;
    assert.doesNotMatch(JSON.stringify(rows), /2001:(0db8|db8)/i);
  });

  test('throttle settings: bounds checked, saved, and deleted back to the configuration', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const page = await agent.get('/admin/throttle/settings/');
    assert.match(page.body, /No settings row: the values from the configuration are in use/);
    const form = {
      view_repeat_window_seconds: '60',
      view_repeat_threshold: '0',
      block_seconds: '10',
      event_record_seconds: 'x',
    };
    const bad = await agent.post('/admin/throttle/settings/', form);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(fieldErrors(bad.body, 'view_repeat_threshold'), [
      'Ensure this value is greater than or equal to 1.',
    ]);
    assert.deepEqual(fieldErrors(bad.body, 'event_record_seconds'), ['Enter a whole number.']);
    const ok = await agent.post('/admin/throttle/settings/', {
      ...form,
      view_repeat_threshold: '5',
      event_record_seconds: '0',
    });
    assert.equal(ok.statusCode, 303);
    assert.deepEqual((await t.deps.throttle.getEffectiveSettings()).values, {
      windowSeconds: 60,
      threshold: 5,
      blockSeconds: 10,
      eventRecordSeconds: 0,
    });
    assert.equal((await agent.post('/admin/throttle/settings/delete/', { post: 'yes' })).statusCode, 303);
    assert.equal(await t.deps.throttle.findSettings(), undefined);
  });

  test('staff forms: password rules and confirmation, unique usernames', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const mismatch = await agent.post('/admin/users/add/', {
      username: 'mod',
      password: 'long enough 1',
      password2: 'other',
    });
    assert.deepEqual(fieldErrors(mismatch.body, 'password2'), ['The two password fields didn’t match.']);
    const weak = await agent.post('/admin/users/add/', {
      username: 'mod',
      password: '1234',
      password2: '1234',
    });
    assert.deepEqual(fieldErrors(weak.body, 'password'), [
      'This password is too short. It must contain at least 8 characters.',
      'This password is entirely numeric.',
    ]);
    const ok = await agent.post('/admin/users/add/', {
      username: 'mod',
      password: 'long enough 1',
      password2: 'long enough 1',
    });
    assert.equal(ok.statusCode, 303);
    const taken = await agent.post('/admin/users/add/', {
      username: 'MOD',
      password: 'long enough 1',
      password2: 'long enough 1',
    });
    assert.deepEqual(fieldErrors(taken.body, 'username'), ['A user with that username already exists.']);
  });

  test('list parameters are checked: unknown sort, bad page or filter value give 400', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    for (const url of [
      '/admin/clients/?o=password',
      '/admin/clients/?p=0',
      '/admin/reports/?flagged=maybe',
      '/admin/throttle/events/?blocked=x',
      '/admin/throttle/overrides/?p=x',
    ]) {
      assert.equal((await agent.get(url)).statusCode, 400, url);
    }
    assert.equal((await agent.get('/admin/clients/not-a-uuid/change/')).statusCode, 404);
    assert.equal((await agent.get('/admin/throttle/overrides/abc/change/')).statusCode, 404);
    assert.equal(
      (await agent.get('/admin/clients/?p=99&o=-age')).statusCode,
      200,
      'a page past the end shows the last one',
    );
  });
});

describe('admin: the moderation queue', () => {
  // No worker: the LLM verdicts below are set by the test, not by moderation jobs racing it.
  const t = useTestApp({ ADNOVA_ROLES: 'api' });

  test('filters by state and LLM flag, search, single and bulk state changes, delete', async () => {
    const s = seed(t.app);
    const advertiser = await s.advertiser();
    const campaign = await s.campaign(advertiser.advertiser_id, { ad_title: 'Loud ad' });
    const logins = ['kim', 'lee', 'max'];
    for (const name of logins) {
      const client = await s.client({ login: name });
      await s.score(client.client_id, advertiser.advertiser_id, 5);
      assert.equal((await getAd(t.app, client.client_id)).statusCode, 200);
      const r = await t.app.inject({
        method: 'POST',
        url: `/report/${campaign.campaign_id}`,
        payload: { client_id: client.client_id },
      });
      assert.equal(r.statusCode, 200);
    }
    await t.deps.db.execute(
      sql`UPDATE reports r SET state = 'r', flagged_by_llm = true FROM clients c WHERE c.id = r.client_id AND c.login = 'kim'`,
    );
    await t.deps.db.execute(
      sql`UPDATE reports r SET flagged_by_llm = false FROM clients c WHERE c.id = r.client_id AND c.login = 'lee'`,
    );
    await t.deps.db.execute(
      sql`UPDATE reports r SET flagged_by_llm = NULL FROM clients c WHERE c.id = r.client_id AND c.login = 'max'`,
    );

    const { agent } = await staffAgent(t.app, t.deps, ['report.change', 'report.delete']);
    const count = async (query: string) =>
      /(\d+) results/.exec((await agent.get(`/admin/reports/${query}`)).body)?.[1];
    assert.equal(await count(''), '3');
    assert.equal(await count('?state=r'), '1');
    assert.equal(await count('?state=s'), '2');
    assert.equal(await count('?flagged=yes'), '1');
    assert.equal(await count('?flagged=no'), '1');
    assert.equal(await count('?flagged=unknown'), '1');
    assert.equal(await count('?state=s&flagged=no'), '1');
    assert.equal(await count('?q=kim'), '1');
    assert.equal(await count('?q=Loud%20kim'), '1');

    const ids = await reportIds(t, campaign.campaign_id);
    const bulk = await agent.post('/admin/reports/', { action: 'state_f', ids }, { from: '/admin/reports/' });
    assert.equal(bulk.statusCode, 303);
    assert.equal(await count('?state=f'), '3');
    const [first] = ids;
    assert.ok(first);
    const single = await agent.post(`/admin/reports/${first}/change/`, { state: 't' });
    assert.equal(single.statusCode, 303);
    const bad = await agent.post(`/admin/reports/${first}/change/`, { state: 'z' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(fieldErrors(bad.body, 'state'), ['Select a valid choice.']);

    const confirm = await agent.post('/admin/reports/', { action: 'delete', ids: ids.slice(1) });
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Are you sure you want to delete 2 selected reports/);
    const done = await agent.post('/admin/reports/', { action: 'delete', ids: ids.slice(1), confirm: 'yes' });
    assert.equal(done.statusCode, 303);
    assert.deepEqual(await reportIds(t, campaign.campaign_id), [first]);
  });
});

describe('admin: languages', () => {
  const t = useTestApp();

  test('Accept-Language picks Russian; the switch stores the choice on the user', async () => {
    const ru = adminAgent(t.app, { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    const loginPage = await ru.get('/admin/login/');
    assert.match(loginPage.body, /<html lang="ru">/);
    assert.match(loginPage.body, /Имя пользователя/);

    const agent = adminAgent(t.app);
    const { username, userId } = await staffAgent(t.app, t.deps, [
      'throttle_override.view',
      'throttle_override.add',
    ]);
    await login(agent, username, STAFF_PASSWORD);
    assert.match((await agent.get('/admin/')).body, /<html lang="en">/);
    const switched = await agent.post('/admin/language/', {
      language: 'ru',
      next: '/admin/throttle/overrides/',
    });
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/admin/throttle/overrides/');
    assert.equal((await getStaffUser(t.deps, userId)).language, 'ru');
    const list = await agent.get('/admin/throttle/overrides/');
    assert.match(list.body, /Правила показа рекламы/);
    const invalid = await agent.post('/admin/throttle/overrides/add/', {
      apply_to: 'ip',
      action: 'block',
      scope: 'bad',
    });
    assert.match(invalid.body, /Область должна быть пустой или начинаться с &#39;\/&#39;/);
    assert.match(invalid.body, /Применить к IP/);
    assert.equal((await agent.post('/admin/language/', { language: 'de' })).statusCode, 400);

    // A fresh login of the same user keeps Russian even when the browser asks for English.
    const again = adminAgent(t.app, { 'accept-language': 'en' });
    await login(again, username, STAFF_PASSWORD);
    assert.match((await again.get('/admin/')).body, /Администрирование сайта/);
  });
});

describe('admin: statistics', () => {
  const t = useTestApp();

  test('the advertiser page shows totals and SVG charts from the stats domain', async () => {
    const w = await world(t);
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const res = await agent.get(`/admin/advertisers/${w.advertiser.advertiser_id}/stats/`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<svg class="chart-svg"/);
    assert.match(res.body, /Daily impressions and clicks/);
    assert.match(res.body, /Morning coffee/);
    assert.equal(
      (await agent.get('/admin/advertisers/0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11/stats/')).statusCode,
      404,
    );
  });

  test('a Telegram link code is issued on the advertiser page and shown once', async () => {
    const advertiser = await seed(t.app).advertiser({ name: 'Linked' });
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const page = await agent.get(`/admin/advertisers/${advertiser.advertiser_id}/change/`);
    assert.match(page.body, /Issue a Telegram link code/);
    const res = await agent.post(`/admin/advertisers/${advertiser.advertiser_id}/telegram-code/`, {});
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<code>[0-9A-Z-]{10,11}<\/code>/);
  });
});

test('ADMIN_PASSWORD is authoritative for the admin account', async (t) => {
  const app = await buildTestApp(t, { ADMIN_PASSWORD: 'from the environment' });
  const agent = adminAgent(app.app);
  assert.equal((await agent.post('/admin/login/', { username: 'admin', password: 'admin' })).statusCode, 400);
  await login(agent, 'admin', 'from the environment');
  assert.doesNotMatch((await agent.get('/admin/')).body, /default password/);
});

test('changing the own password ends the other sessions and clears the default-password warning', async (t) => {
  const app = await buildTestApp(t);
  const one = adminAgent(app.app);
  const two = adminAgent(app.app);
  await login(one, 'admin', 'admin');
  await login(two, 'admin', 'admin');
  const wrong = await one.post('/admin/password_change/', {
    old_password: 'nope',
    password: 'new secret 42',
    password2: 'new secret 42',
  });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(fieldErrors(wrong.body, 'old_password'), [
    'Your old password was entered incorrectly. Please enter it again.',
  ]);
  const ok = await one.post('/admin/password_change/', {
    old_password: 'admin',
    password: 'new secret 42',
    password2: 'new secret 42',
  });
  assert.equal(ok.statusCode, 303);
  const home = await one.get('/admin/');
  assert.equal(home.statusCode, 200);
  assert.doesNotMatch(home.body, /default-password/);
  assert.match(home.body, /Your password was changed/);
  assert.equal((await two.get('/admin/')).statusCode, 303, 'the other session was revoked');
});

describe('admin: ads-throttle events', () => {
  const t = useTestApp();

  test('blocked decisions are listed read-only; only superusers delete them', async () => {
    await t.deps.throttle.updateSettings({
      threshold: 1,
      windowSeconds: 600,
      blockSeconds: 60,
      eventRecordSeconds: 0,
    });
    const s = seed(t.app);
    const advertiser = await s.advertiser();
    await s.campaign(advertiser.advertiser_id);
    const client = await s.client();
    assert.equal((await getAd(t.app, client.client_id)).statusCode, 200);
    assert.equal((await getAd(t.app, client.client_id)).statusCode, 404, 'throttled');
    await t.deps.throttle.idle();

    const viewer = await staffAgent(t.app, t.deps, ['throttle_event.view']);
    const list = await viewer.agent.get('/admin/throttle/events/?blocked=yes');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /1 results/);
    assert.doesNotMatch(list.body, /class="deletelink"/);
    assert.match((await viewer.agent.get('/admin/throttle/events/?blocked=no')).body, /0 results/);
    assert.match((await viewer.agent.get('/admin/throttle/events/?scope=%2Fads')).body, /1 results/);
    assert.match((await viewer.agent.get('/admin/throttle/events/?scope=%2Fother')).body, /0 results/);
    const id = (await t.deps.throttle.listEvents({})).items[0]?.id;
    assert.ok(id);
    assert.equal(
      (await viewer.agent.post(`/admin/throttle/events/${id}/delete/`, { post: 'yes' })).statusCode,
      403,
    );

    const admin = adminAgent(t.app);
    await login(admin, 'admin', 'admin');
    assert.match((await admin.get('/admin/throttle/events/')).body, /class="deletelink"/);
    assert.equal((await admin.post(`/admin/throttle/events/${id}/delete/`, { post: 'yes' })).statusCode, 303);
    assert.equal((await t.deps.throttle.listEvents({})).total, 0);
  });
});

describe('admin: ads-throttle overrides on the shared CRUD', () => {
  const t = useTestApp();
  /** Rows of the change list (the sidebar's models are table rows too). */
  const rows = (body: string) =>
    body
      .split('<table id="result_list">')[1]
      ?.split('</table>')[0]
      ?.match(/<th scope="row"/g)?.length ?? 0;

  test('the list pages, searches and filters the library’s rules under the throttle’s crumb', async () => {
    for (let i = 0; i < 100; i++) {
      await t.deps.throttle.createOverride({
        applyTo: 'all',
        action: 'block',
        scope: `/page/${String(i).padStart(3, '0')}`,
      });
    }
    await t.deps.throttle.createOverride({
      applyTo: 'ip',
      action: 'show',
      rawIp: '203.0.113.5',
      scope: '/special',
      expiresAt: '2000-01-01T00:00:00Z',
    });
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');

    const first = await agent.get('/admin/throttle/overrides/');
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /101 results/);
    assert.equal(rows(first.body), 100, '100 rules a page');
    assert.match(first.body, /<a href="\/admin\/throttle\/overrides\/\?p=2">2<\/a>/);
    assert.match(
      first.body,
      /<a href="\/admin\/">Home<\/a> › Ads throttle › Ads throttle overrides<\/nav>/,
      'the app crumb before the list',
    );
    assert.match(
      first.body,
      /href="\/admin\/throttle\/overrides\/add\/" class="addlink">Add Ads throttle override/,
    );
    const second = await agent.get('/admin/throttle/overrides/?p=2');
    assert.equal(rows(second.body), 1);

    for (const [query, count] of [
      ['q=%2Fspecial', 1],
      ['q=203.0.113.5', 1],
      ['q=%2Fpage%2F05', 10],
      ['action=show', 1],
      ['target=ip', 1],
      ['target=all', 100],
      ['status=expired', 1],
      ['status=active&action=show', 0],
      ['status=active&q=%2Fpage%2F099', 1],
    ] as const) {
      const page = await agent.get(`/admin/throttle/overrides/?${query}`);
      assert.equal(page.statusCode, 200, query);
      assert.match(page.body, new RegExp(`${count} results`), query);
    }
    const filtered = await agent.get('/admin/throttle/overrides/?status=expired');
    assert.match(filtered.body, /href="\/admin\/throttle\/overrides\/\?status=expired&amp;action=show"/);
    assert.equal((await agent.get('/admin/throttle/overrides/?target=nobody')).statusCode, 400);

    const ru = adminAgent(t.app, { 'accept-language': 'ru' });
    await login(ru, 'admin', 'admin');
    const russian = await ru.get('/admin/throttle/overrides/?target=ip');
    assert.match(russian.body, /Ограничение показов рекламы › Правила показа рекламы<\/nav>/);
    assert.match(russian.body, /Выберите объект для изменения \(Правило показа рекламы\)/);
  });

  test('the add form starts as user + block, keeps its id for admin.js and its note; change and delete crumbs', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const add = await agent.get('/admin/throttle/overrides/add/');
    assert.equal(add.statusCode, 200);
    assert.match(
      add.body,
      /<form method="post" action="\/admin\/throttle\/overrides\/add\/" id="override-form"/,
    );
    assert.match(add.body, /name="apply_to" id="id_apply_to_0" value="user" checked/);
    assert.match(add.body, /name="action" id="id_action_0" value="block" checked/);
    assert.match(add.body, /Changing the hash secret makes every IP and viewer ID rule stop matching/);

    const rule = await t.deps.throttle.createOverride({ applyTo: 'all', action: 'show', scope: '/crumbs' });
    const change = await agent.get(`/admin/throttle/overrides/${rule.id}/change/`);
    assert.match(
      change.body,
      /Ads throttle › <a href="\/admin\/throttle\/overrides\/">Ads throttle overrides<\/a> › Override for all viewers \(\/crumbs\)/,
    );
    assert.match(change.body, /Changing the hash secret/);
    const confirm = await agent.get(`/admin/throttle/overrides/${rule.id}/delete/`);
    assert.match(
      confirm.body,
      /Are you sure you want to delete the Ads throttle override “Override for all viewers \(\/crumbs\)”\?/,
    );
    const deleted = await agent.post(`/admin/throttle/overrides/${rule.id}/delete/`, { post: 'yes' });
    assert.equal(deleted.statusCode, 303);
    assert.match(
      decodeEntities((await agent.get('/admin/throttle/overrides/')).body),
      /The Ads throttle override “Override for all viewers \(\/crumbs\)” was deleted successfully/,
    );
  });
});
