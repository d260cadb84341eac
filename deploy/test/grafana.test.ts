import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildTestApp, click, getAd, json, seed, usingPostgres } from '../../packages/server/test/helper.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dashboardsDir = `${root}deploy/grafana/dashboards`;

type Target = { refId: string; datasource: { uid: string }; rawSql?: string; expr?: string };
type Panel = { id: number; title: string; type: string; targets: Target[] };
type Dashboard = {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: string; datasource: { uid: string } }[] };
};

const dashboards = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({
    file: f,
    dashboard: JSON.parse(readFileSync(`${dashboardsDir}/${f}`, 'utf8')) as Dashboard,
  }));

const provisioned = parse(
  readFileSync(`${root}deploy/grafana/provisioning/datasources/datasources.yaml`, 'utf8'),
) as { datasources: { uid: string; type: string }[] };
const datasourceType = new Map(provisioned.datasources.map((d) => [d.uid, d.type]));

/** Grafana's substitution of the dashboard variables the SQL uses. */
const substitute = (sql: string, vars: Record<string, string>) =>
  sql.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const value = vars[a ?? b ?? ''];
    return value === undefined ? whole : value;
  });

test('the three dashboards exist, with unique uids and panel ids, on provisioned datasources', () => {
  const titles = dashboards.map((d) => d.dashboard.uid).sort();
  assert.deepEqual(titles, ['adnova-advertiser', 'adnova-health', 'adnova-platform']);
  for (const { file, dashboard } of dashboards) {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, `${file}: ${panel.title} has a query`);
      for (const target of panel.targets)
        assert.ok(
          datasourceType.has(target.datasource.uid),
          `${file}: ${panel.title} uses a provisioned datasource`,
        );
    }
  }
});

test('every SQL query of the dashboards runs on the real database and returns rows of the expected shape', async (t) => {
  const { app, deps } = await buildTestApp(t, {
    ADS_VIEW_REPEAT_THRESHOLD: '1',
    ADS_VIEW_REPEAT_WINDOW_SECONDS: '600',
    ADS_BLOCK_SECONDS: '60',
  });
  // Sample data: an advertiser with two campaigns over two days, impressions, a click, a report
  // and a throttled viewer.
  const s = seed(app);
  const advertiser = await s.advertiser({ name: 'Grafana Coffee' });
  await s.campaign(advertiser.advertiser_id, { ad_title: 'Morning', cost_per_impression: 2 });
  await s.campaign(advertiser.advertiser_id, { ad_title: 'Evening', cost_per_impression: 1 });
  const clients = [await s.client(), await s.client(), await s.client()];
  const shown: string[] = [];
  for (const client of clients.slice(0, 2)) {
    const res = await getAd(app, client.client_id);
    assert.equal(res.statusCode, 200);
    shown.push(json<{ ad_id: string }>(res).ad_id);
  }
  assert.equal((await click(app, shown[0] ?? '', clients[0]?.client_id ?? '')).statusCode, 204);
  await s.advance(1);
  assert.equal((await getAd(app, clients[2]?.client_id ?? '')).statusCode, 200);
  assert.equal((await getAd(app, clients[2]?.client_id ?? '')).statusCode, 404, 'throttled');
  const report = await app.inject({
    method: 'POST',
    url: `/report/${shown[0]}`,
    payload: { client_id: clients[0]?.client_id, message: 'rude' },
  });
  assert.equal(report.statusCode, 200, report.body);
  await deps.throttle.idle();
  const stats = json<{ impressions_count: number; clicks_count: number; spent_total: string }>(
    await app.inject({ method: 'GET', url: `/stats/advertisers/${advertiser.advertiser_id}/campaigns` }),
  );

  const vars = { advertiser: advertiser.advertiser_id };
  let queries = 0;
  for (const { file, dashboard } of dashboards) {
    for (const variable of dashboard.templating.list) {
      const { rows } = await deps.database.query(variable.query);
      const values = (rows as { __value: string; __text: string }[]).map((r) => r.__value);
      assert.ok(
        values.includes(advertiser.advertiser_id),
        `${file}: variable ${variable.name} lists the advertiser`,
      );
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        if (datasourceType.get(target.datasource.uid) !== 'grafana-postgresql-datasource') continue;
        assert.ok(target.rawSql, `${file}: ${panel.title} has rawSql`);
        const sql = substitute(target.rawSql, vars);
        assert.doesNotMatch(sql, /\$\w|\$\{/, `${file}: ${panel.title}: every variable substituted`);
        const result = await deps.database.query(sql);
        queries += 1;
        assert.ok(result.rows.length > 0, `${file}: ${panel.title} returns rows`);
        for (const row of result.rows as Record<string, unknown>[]) {
          for (const column of Object.keys(row))
            assert.doesNotMatch(
              column,
              /\?column\?|^(count|sum|coalesce|round)$/,
              `${file}: ${panel.title}: column named`,
            );
        }
      }
    }
  }
  assert.ok(queries >= 12, `ran ${queries} queries`);

  // The advertiser dashboard's totals agree with the API's statistics.
  const advertiserDashboard = dashboards.find((d) => d.dashboard.uid === 'adnova-advertiser')?.dashboard;
  const totals = advertiserDashboard?.panels.find((p) => p.title === 'Totals')?.targets[0]?.rawSql ?? '';
  const [row] = (await deps.database.query(substitute(totals, vars))).rows as Record<
    string,
    string | number
  >[];
  assert.equal(Number(row?.impressions), stats.impressions_count);
  assert.equal(Number(row?.clicks), stats.clicks_count);
  assert.equal(Number(row?.spent_impressions) + Number(row?.spent_clicks), Number(stats.spent_total));
  // The platform dashboard sees the report and the throttled viewer.
  const platform = dashboards.find((d) => d.dashboard.uid === 'adnova-platform')?.dashboard;
  const sqlOf = (title: string) => platform?.panels.find((p) => p.title === title)?.targets[0]?.rawSql ?? '';
  const queue = (await deps.database.query(sqlOf('Moderation queue'))).rows as {
    state: string;
    reports: string;
  }[];
  assert.deepEqual(
    queue.map((r) => [r.state, Number(r.reports)]),
    [['sent', 1]],
  );
  const throttled = (await deps.database.query(sqlOf('Throttled viewers by scope'))).rows as {
    scope: string;
    blocked_viewers: string;
  }[];
  assert.ok(
    throttled.some((r) => r.scope === '/ads' && Number(r.blocked_viewers) >= 1),
    JSON.stringify(throttled),
  );

  // Issue 12: at the last representable day no panel's series runs from day 0 (2^31 rows that
  // would hang the database); daily panels show the API's window of 3,660 days.
  await s.advance(2_147_483_647);
  for (const { file, dashboard } of dashboards) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        if (datasourceType.get(target.datasource.uid) !== 'grafana-postgresql-datasource') continue;
        const result = await deps.database.query(substitute(target.rawSql ?? '', vars));
        assert.ok(result.rows.length <= 3660, `${file}: ${panel.title}: ${result.rows.length} rows`);
      }
    }
  }
});

test('every Prometheus query names metrics the API exposes', async (t) => {
  const { app } = await buildTestApp(t);
  await app.inject({ method: 'GET', url: '/livez' });
  const exposition = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const exposed = new Set(
    [...exposition.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name = '', type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
    ),
  );
  const functions = new Set([
    'sum',
    'rate',
    'by',
    'histogram_quantile',
    'max',
    'le',
    'without',
    'irate',
    'avg',
  ]);
  // Pool gauges exist only with a PostgreSQL pool (PGlite is one in-process connection).
  const postgresOnly = usingPostgres
    ? new Set<string>()
    : new Set(['adnova_db_pool_connections', 'adnova_db_pool_idle', 'adnova_db_pool_waiting']);
  const missing: string[] = [];
  for (const { file, dashboard } of dashboards) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        if (!target.expr) continue;
        // Metric names: identifiers outside label matchers and grouping clauses.
        const bare = target.expr
          .replace(/\{[^}]*\}/g, '')
          .replace(/by \([^)]*\)/g, '')
          .replace(/\[[^\]]*\]/g, '');
        for (const [name] of bare.matchAll(/[a-z_][a-z0-9_]*/g)) {
          if (functions.has(name) || postgresOnly.has(name) || /^\d/.test(name)) continue;
          if (!exposed.has(name)) missing.push(`${file}: ${panel.title}: ${name}`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
});
