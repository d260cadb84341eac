import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { rows } from '@adnova/core/db/database';
import type { Deps } from '@adnova/core/deps';
import { startWorker } from '@adnova/core/jobs/worker';
import { resumeModeration, runReportModeration } from '@adnova/core/reports/reports';
import { API_KEY, startChatServer } from '@adnova/test-utils/chat-server';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, getAd, json, seed, useTestApp } from '../../test/helper.ts';

type ReportRow = {
  id: string;
  campaign_id: string | null;
  client_id: string | null;
  state: string;
  message: string | null;
  ad_title: string;
  ad_text: string;
  flagged_by_llm: boolean | null;
  moderation_job_id: string | null;
};

const report = (app: FastifyInstance, campaignId: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/report/${campaignId}`, payload: payload as object });

const REPORT_COLUMNS = sql`id, campaign_id, client_id, state, message, ad_title, ad_text, flagged_by_llm, moderation_job_id`;

const reportsOf = (deps: Deps, campaignId: string) =>
  rows<ReportRow>(
    deps.db,
    sql`SELECT ${REPORT_COLUMNS} FROM reports WHERE campaign_id = ${campaignId}::uuid`,
  );

const reportById = async (deps: Deps, id: string) =>
  (await rows<ReportRow>(deps.db, sql`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = ${id}::uuid`))[0];

/** Waits until the report has a verdict (the worker runs in the test app). */
async function verdict(deps: Deps, reportId: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await rows<{ flagged_by_llm: boolean | null }>(
      deps.db,
      sql`SELECT flagged_by_llm FROM reports WHERE id = ${reportId}::uuid`,
    );
    if (row && row.flagged_by_llm !== null) return row.flagged_by_llm;
    if (Date.now() > deadline) assert.fail(`report ${reportId} still without a verdict`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A campaign seen by a client, isolated by a targeted location of its own. */
async function seenAd(app: FastifyInstance, texts: { ad_title?: string; ad_text?: string } = {}) {
  const s = seed(app);
  const location = `L-${randomUUID()}`;
  const advertiser = await s.advertiser();
  const campaign = await s.campaign(advertiser.advertiser_id, { ...texts, targeting: { location } });
  const client = await s.client({ location });
  const shown = await getAd(app, client.client_id);
  assert.equal(shown.statusCode, 200, shown.body);
  assert.equal(json<{ ad_id: string }>(shown).ad_id, campaign.campaign_id);
  return { advertiser, campaign, client, location };
}

describe('POST /report/{campaignId}', () => {
  const ctx = useTestApp();

  describe('happy path', () => {
    test('200 ok; the report is stored as sent with a snapshot of the ad; a clean ad is not flagged', async () => {
      const { campaign, client } = await seenAd(ctx.app, {
        ad_title: 'Скидки на сухарики',
        ad_text: 'Хрустим вместе!',
      });
      const res = await report(ctx.app, campaign.campaign_id, {
        client_id: client.client_id,
        message: 'Скучно',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { status: 'ok' });
      const [row] = await reportsOf(ctx.deps, campaign.campaign_id);
      assert.ok(row);
      assert.equal(row.client_id, client.client_id);
      assert.equal(row.state, 's');
      assert.equal(row.message, 'Скучно');
      assert.equal(row.ad_title, 'Скидки на сухарики');
      assert.equal(row.ad_text, 'Хрустим вместе!');
      assert.equal(await verdict(ctx.deps, row.id), false);
    });

    test('an offensive ad is flagged by the offline moderator (title or text), with no network', async () => {
      for (const texts of [
        { ad_title: 'Ну ты и сука', ad_text: 'Покупай!' },
        { ad_title: 'Big sale', ad_text: 'Buy now or I will kill you' },
        { ad_title: 'Сдам квартиру', ad_text: 'Только славянам' },
      ]) {
        const { campaign, client } = await seenAd(ctx.app, texts);
        assert.equal(
          (await report(ctx.app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
          200,
        );
        const [row] = await reportsOf(ctx.deps, campaign.campaign_id);
        assert.ok(row);
        assert.equal(row.message, null);
        assert.equal(await verdict(ctx.deps, row.id), true, JSON.stringify(texts));
      }
    });

    test('message may be absent or null; ids compare case-insensitively', async () => {
      const { campaign, client } = await seenAd(ctx.app);
      const res = await report(ctx.app, campaign.campaign_id.toUpperCase(), {
        client_id: client.client_id.toUpperCase(),
        message: null,
      });
      assert.equal(res.statusCode, 200, res.body);
      const [row] = await reportsOf(ctx.deps, campaign.campaign_id);
      assert.equal(row?.client_id, client.client_id);
    });

    test('documented in OpenAPI', async () => {
      const doc = json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>(
        await ctx.app.inject({ method: 'GET', url: '/docs/openapi.json' }),
      );
      const responses = doc.paths['/report/{campaignId}']?.post?.responses ?? {};
      assert.deepEqual(Object.keys(responses).sort(), ['200', '400', '403', '404', '409']);
    });
  });

  describe('errors', () => {
    test('400 for malformed ids, body or message; a blank message has its own detail', async () => {
      const { campaign, client } = await seenAd(ctx.app);
      const url = campaign.campaign_id;
      assert.equal((await report(ctx.app, 'not-a-uuid', { client_id: client.client_id })).statusCode, 400);
      for (const body of [
        {},
        { client_id: 'nope' },
        { client_id: 42 },
        { client_id: client.client_id, message: 5 },
        [],
      ]) {
        assert.equal((await report(ctx.app, url, body)).statusCode, 400, JSON.stringify(body));
      }
      const tooLong = await report(ctx.app, url, {
        client_id: client.client_id,
        message: 'x'.repeat(10_001),
      });
      assert.equal(tooLong.statusCode, 400);
      for (const message of ['', '   ']) {
        const blank = await report(ctx.app, url, { client_id: client.client_id, message });
        assert.equal(blank.statusCode, 400);
        assert.deepEqual(json(blank), { detail: "message can't be blank." });
      }
      assert.equal((await reportsOf(ctx.deps, url)).length, 0, 'nothing stored');
    });

    test('404 unknown campaign (checked first), 404 unknown client, 403 never shown, 409 duplicate', async () => {
      const { campaign, client, advertiser, location } = await seenAd(ctx.app);
      const missing = await report(ctx.app, randomUUID(), { client_id: randomUUID() });
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(json(missing), { detail: 'Not Found' });
      assert.equal((await report(ctx.app, randomUUID(), { client_id: client.client_id })).statusCode, 404);
      assert.equal(
        (await report(ctx.app, campaign.campaign_id, { client_id: randomUUID() })).statusCode,
        404,
      );

      const stranger = await seed(ctx.app).client({ location });
      const never = await report(ctx.app, campaign.campaign_id, { client_id: stranger.client_id });
      assert.equal(never.statusCode, 403);
      assert.deepEqual(json(never), { detail: 'Forbidden' });
      // Shown another campaign, not this one: still 403.
      const other = await seed(ctx.app).campaign(advertiser.advertiser_id, {
        targeting: { location: `X-${randomUUID()}` },
      });
      assert.equal(
        (await report(ctx.app, other.campaign_id, { client_id: client.client_id })).statusCode,
        403,
      );

      assert.equal(
        (await report(ctx.app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
        200,
      );
      const again = await report(ctx.app, campaign.campaign_id, {
        client_id: client.client_id,
        message: 'again',
      });
      assert.equal(again.statusCode, 409);
      assert.deepEqual(json(again), { detail: 'This client has already reported this campaign.' });
      // A blank message is rejected before anything else, even on a duplicate.
      assert.equal(
        (await report(ctx.app, campaign.campaign_id, { client_id: client.client_id, message: '' }))
          .statusCode,
        400,
      );
    });

    test('concurrent duplicates: exactly one 200, the rest 409, never 500; one report stored', async () => {
      const { campaign, client } = await seenAd(ctx.app);
      const codes = await Promise.all(
        Array.from({ length: 12 }, () =>
          report(ctx.app, campaign.campaign_id, { client_id: client.client_id }).then((r) => r.statusCode),
        ),
      );
      assert.equal(codes.filter((c) => c === 200).length, 1, codes.join(','));
      assert.equal(codes.filter((c) => c === 409).length, 11, codes.join(','));
      assert.equal((await reportsOf(ctx.deps, campaign.campaign_id)).length, 1);
    });
  });

  describe('moderation', () => {
    test('the report outlives its campaign (campaign null) and keeps the reported texts', async () => {
      const { campaign, client, advertiser } = await seenAd(ctx.app, { ad_title: 'Доставка пиццы' });
      assert.equal(
        (await report(ctx.app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
        200,
      );
      const [before] = await reportsOf(ctx.deps, campaign.campaign_id);
      assert.ok(before);
      await verdict(ctx.deps, before.id);
      const deleted = await ctx.app.inject({
        method: 'DELETE',
        url: `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
      });
      assert.equal(deleted.statusCode, 204);
      const after = await reportById(ctx.deps, before.id);
      assert.equal(after?.campaign_id, null);
      assert.equal(after?.client_id, client.client_id);
      assert.equal(after?.ad_title, 'Доставка пиццы');
      assert.equal(after?.flagged_by_llm, false);
    });

    test('a deleted report drops the verdict; a judged one keeps its verdict', async () => {
      const { campaign, client } = await seenAd(ctx.app, { ad_title: 'сука' });
      assert.deepEqual(
        await runReportModeration(
          ctx.deps,
          { report_id: randomUUID() },
          { signal: new AbortController().signal },
        ),
        { report: 'gone' },
      );
      assert.equal(
        (await report(ctx.app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
        200,
      );
      const [row] = await reportsOf(ctx.deps, campaign.campaign_id);
      assert.ok(row);
      assert.equal(await verdict(ctx.deps, row.id), true);
      assert.deepEqual(
        await runReportModeration(ctx.deps, { report_id: row.id }, { signal: new AbortController().signal }),
        { report: 'judged', flagged: true, stored: false },
      );
    });

    test('LLM errors leave the verdict null and are retried with backoff until the LLM answers', async (t) => {
      let calls = 0;
      const server = await startChatServer((request) => {
        calls++;
        if (calls <= 3) return { status: 503, body: '{"error":{"message":"busy"}}' };
        const text = request.body.messages?.at(-1)?.content ?? '';
        return { reply: text.includes('угроза') ? 'true' : 'false' };
      });
      t.after(() => server.close());
      const { app, deps } = await buildTestApp(t, {
        LLM_BASE_URL: server.baseUrl,
        LLM_API_KEY: API_KEY,
        LLM_MODEL: 'moderator',
        LLM_MAX_RETRIES: '0',
        QUEUE_BACKOFF_MS: '100',
      });
      const { campaign, client } = await seenAd(app, {
        ad_title: 'Обычный заголовок',
        ad_text: 'Это угроза',
      });
      assert.equal(
        (await report(app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
        200,
      );
      const [row] = await reportsOf(deps, campaign.campaign_id);
      assert.ok(row);
      assert.equal(row.flagged_by_llm, null, 'no verdict while the LLM fails');
      assert.equal(await verdict(deps, row.id), true);
      assert.ok(calls >= 5, `${calls} calls: failed attempts were retried`);
    });

    test('moderation lost with its job (or never queued) is resumed when a worker starts', async (t) => {
      const { app, deps } = await buildTestApp(t, { ADNOVA_ROLES: 'api' });
      const { campaign, client } = await seenAd(app, { ad_text: 'f*ck you' });
      assert.equal(
        (await report(app, campaign.campaign_id, { client_id: client.client_id })).statusCode,
        200,
      );
      const [row] = await reportsOf(deps, campaign.campaign_id);
      assert.ok(row?.moderation_job_id);
      // Still queued (no worker here): nothing to resume.
      assert.equal(await resumeModeration(deps), 0);
      // The job is lost (e.g. Redis was flushed, or enqueueing failed after the report was stored).
      await deps.db.execute(
        sql`UPDATE reports SET moderation_job_id = ${randomUUID()}::uuid WHERE id = ${row.id}::uuid`,
      );
      const worker = await startWorker(deps);
      t.after(() => worker.close());
      assert.equal(await verdict(deps, row.id), true);
      assert.equal(await resumeModeration(deps), 0, 'judged reports are left alone');
    });
  });
});
