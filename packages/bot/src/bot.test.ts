import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { click, getAd } from '@adnova/server/testing';
import { type BotAction, plain, said } from '@adnova/test-utils/fake-telegram';
import sharp from 'sharp';
import { type Harness, needsRedis, startHarness } from '../test/harness.ts';
import type { Campaign } from './api/adnova-api.ts';

/** One harness for the tests of a suite (each test makes its own users and advertisers). */
function sharedHarness(options: Parameters<typeof startHarness>[1] = {}): { h: Harness } {
  const state = {} as { h: Harness };
  const cleanups: (() => Promise<void>)[] = [];
  before(async () => {
    state.h = await startHarness({ after: (fn) => void cleanups.push(fn as () => Promise<void>) }, options);
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  return state;
}

async function api<T>(h: Harness, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${h.adnova.url}${path}`);
  return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
}

/** A linked user of a fresh advertiser. */
async function linkedUser(h: Harness, options: { name?: string; languageCode?: string } = {}) {
  const advertiser = await h.seed.advertiser({ name: options.name ?? 'Nova Coffee' });
  const user = h.tg.user(options.languageCode === undefined ? {} : { languageCode: options.languageCode });
  const linked = await user.send(await h.linkCode(advertiser.advertiser_id));
  assert.match(said(linked), /Successfully authenticated/);
  return { user, advertiser };
}

const lastText = (actions: BotAction[]): string => plain(actions.at(-1)?.text ?? actions.at(-1)?.caption);
const buttonsOf = (actions: BotAction[]): string[] => actions.flatMap((a) => a.buttons.map((b) => b.text));

async function png(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c0ffee' } })
    .png()
    .toBuffer();
}

describe('issue 7: the Telegram bot, end to end against the Bot API fake and a real AdNova API', () => {
  test('full flow: link, list, create with validation errors on the way, edit, delete, statistics with chart, logout', async (t) => {
    const h = await startHarness(t);
    await h.seed.advance(2);
    const advertiser = await h.seed.advertiser({ name: 'Nova Coffee' });
    const ann = h.tg.user();

    // Not linked yet: every command answers, none is silently ignored.
    assert.match(said(await ann.send('/campaigns')), /You are not logged in. Send \/start/);
    assert.match(said(await ann.send('/start')), /Send me your one-time link code/);

    // Link with a one-time code.
    const code = await h.linkCode(advertiser.advertiser_id);
    const linked = await ann.send(code.toLowerCase());
    assert.equal(
      said(linked),
      `Successfully authenticated as Nova Coffee (${advertiser.advertiser_id}). Get help: /help.`,
    );
    assert.match(said(await ann.send('/start')), /Already authenticated as Nova Coffee/);

    // The list: empty, with a Create button.
    const list = await ann.send('/campaigns');
    assert.match(said(list), /no campaigns yet/);
    assert.deepEqual(buttonsOf(list), ['➕ Create']);

    // Create, with a wrong answer at several steps.
    const steps: [string | { press: string }, RegExp][] = [
      [{ press: 'Create' }, /What is the ad title\?/],
      ['Morning coffee', /Send the ad text/],
      ['Two cups for the price of one, every morning.', /How many impressions at most\?/],
      ['lots', /Please send a whole number/],
      ['1 000', /How many clicks at most\?/],
      ['5000', /clicks limit cannot be greater than the impressions limit \(1000\)/],
      ['100', /per impression/],
      ['-1', /at least 0/],
      ['0,5', /per click/],
      ['3.25', /On which day does it start\? Today is day 2/],
      ['1', /cannot be in the past: today is day 2/],
      ['2', /On which day does it end\? Day 2 or later/],
      ['1', /end day cannot be before the start day \(2\)/],
      ['12', /which gender\?/],
      [{ press: 'Female' }, /Minimal age/],
      ['150', /at most 100/],
      ['18', /Maximal age/],
      [{ press: 'Skip' }, /Which location/],
      ['Moscow', /Please check the new campaign/],
    ];
    for (const [input, expected] of steps) {
      const actions = typeof input === 'string' ? await ann.send(input) : await ann.press(input.press);
      assert.match(said(actions), expected, `after ${JSON.stringify(input)}: ${said(actions)}`);
    }
    const summary = plain(ann.messages().at(-1)?.text);
    assert.match(summary, /Cost per impression: 0\.50/);
    assert.match(summary, /Age to: —/);
    const created = await ann.press('✅ Create');
    assert.match(said(created), /Campaign created\./);
    const card = lastText(created);
    assert.match(card, /Morning coffee/);
    assert.match(card, /Status: active \(today is day 2\)/);
    assert.match(card, /Limits: impressions 1,000, clicks 100/);
    assert.match(card, /Targeting: Female, age 18–100, Moscow/);
    assert.match(card, /Conversion: 0\.00%/);

    const { body: campaigns } = await api<Campaign[]>(
      h,
      `/advertisers/${advertiser.advertiser_id}/campaigns`,
    );
    assert.equal(campaigns.length, 1);
    const [campaign] = campaigns;
    assert.ok(campaign);
    assert.deepEqual(
      { ...campaign, campaign_id: undefined },
      {
        campaign_id: undefined,
        advertiser_id: advertiser.advertiser_id,
        ad_title: 'Morning coffee',
        ad_text: 'Two cups for the price of one, every morning.',
        impressions_limit: 1000,
        clicks_limit: 100,
        cost_per_impression: 0.5,
        cost_per_click: 3.25,
        start_date: 2,
        end_date: 12,
        targeting: { gender: 'FEMALE', age_from: 18, age_to: null, location: 'Moscow' },
        ad_image: null,
      },
    );

    // Edit: the campaign has started, so limits and days are locked; a price is not.
    const menu = await ann.press('Edit campaign');
    assert.match(said(menu), /has started: its limits and days can no longer change/);
    assert.ok(buttonsOf(menu).includes('🔒 Clicks limit'));
    assert.match(said(await ann.press('Clicks limit')), /This field is frozen/);
    assert.match(
      said(await ann.press('Cost per click')),
      /Send the new value of “Cost per click”.\nNow: 3\.25/,
    );
    assert.match(said(await ann.send('abc')), /Please send a number/);
    const edited = await ann.send('4');
    assert.match(said(edited), /Saved\./);
    assert.match(lastText(edited), /Prices: 0\.50 per impression, 4\.00 per click/);
    const { body: afterEdit } = await api<Campaign>(
      h,
      `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
    );
    assert.equal(afterEdit.cost_per_click, 4);

    // Statistics with a chart: one impression and one click of a second campaign.
    const other = await h.seed.campaign(advertiser.advertiser_id, {
      ad_title: 'Evening tea',
      start_date: 2,
      end_date: 5,
      cost_per_impression: 1.5,
      cost_per_click: 2,
      targeting: { location: 'Kazan' },
    });
    const client = await h.seed.client({ location: 'Kazan' });
    assert.equal((await getAd(h.adnova.app, client.client_id)).statusCode, 200);
    assert.equal((await click(h.adnova.app, other.campaign_id, client.client_id)).statusCode, 204);
    const stats = await ann.send('/statistics');
    const text = said(stats.filter((a) => a.method === 'sendMessage'));
    assert.match(text, /Statistics of Nova Coffee/);
    assert.match(text, /Impressions: 1\nClicks: 1\nConversion: 100\.00%/);
    assert.match(text, /Spent on impressions: 1\.50\nSpent on clicks: 2\.00\nSpent in total: 3\.50/);
    assert.match(text, /• Evening tea — impressions 1, clicks 1, conversion 100\.00%, spent 3\.50/);
    assert.match(text, /• Morning coffee — impressions 0, clicks 0, conversion 0\.00%, spent 0\.00/);
    const chart = stats.find((a) => a.method === 'sendPhoto');
    assert.ok(chart?.photo, 'the daily chart is sent as a photo');
    const meta = await sharp(chart.photo).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 960);
    assert.equal(chart.caption, 'Daily impressions, clicks and spend, days 0–2');

    // Delete with confirmation (back to the card first: /statistics sent new messages).
    await ann.send('/campaigns');
    await ann.press('Morning coffee');
    const confirm = await ann.press('Delete campaign');
    assert.match(said(confirm), /Delete the campaign Morning coffee\?/);
    assert.match(said(await ann.press('No, keep it')), /Morning coffee/);
    await ann.press('Delete campaign');
    const deleted = await ann.press('Yes, delete');
    assert.match(said(deleted), /Campaign deleted\./);
    assert.doesNotMatch(lastText(deleted), /Morning coffee/);
    const gone = await api(h, `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`);
    assert.equal(gone.status, 404);

    // Logout unbinds the account in the API.
    assert.equal(said(await ann.send('/logout')), 'Successfully logged out.');
    assert.match(said(await ann.send('/statistics')), /You are not logged in/);
    assert.deepEqual(h.tg.unsupported, []);
  });

  describe('with one shared API and bot', () => {
    const shared = sharedHarness();

    test('the command menu is registered with Telegram at start, in English and Russian', () => {
      const { tg } = shared.h;
      const names = ['start', 'campaigns', 'statistics', 'language', 'help', 'cancel', 'logout'];
      assert.deepEqual(
        tg.commands.get('')?.map((c) => c.command),
        names,
      );
      assert.deepEqual(
        tg.commands.get('ru')?.map((c) => c.command),
        names,
      );
      assert.equal(tg.commands.get('ru')?.[1]?.description, 'Ваши кампании: список, создание, изменение');
    });

    test('link codes: unknown, used, deep link; the advertiser id is refused unless enabled', async () => {
      const { h } = shared;
      const advertiser = await h.seed.advertiser({ name: 'Acme <Ads>' });
      const bob = h.tg.user();
      assert.match(said(await bob.send('AAAAA-AAAAA')), /unknown or has expired/);
      assert.match(said(await bob.send('hi, what is this?')), /Send me your one-time link code/);
      assert.match(
        said(await bob.send(advertiser.advertiser_id)),
        /Logging in with an advertiser id is disabled/,
      );

      const code = await h.linkCode(advertiser.advertiser_id);
      const deepLink = await bob.send(`/start ${code.replace('-', '')}`);
      assert.equal(deepLink[0]?.parseMode, 'HTML');
      assert.match(deepLink[0]?.text ?? '', /Acme &lt;Ads&gt;/);

      const eve = h.tg.user();
      assert.match(said(await eve.send(code)), /already been used/);
      assert.match(said(await eve.send('/campaigns')), /You are not logged in/);
      assert.match(said(await eve.send('/logout')), /You are not logged in/);
    });

    test('every message gets an answer: help, unknown text and commands, stale buttons, /cancel', async () => {
      const { h } = shared;
      const { user } = await linkedUser(h);
      assert.match(said(await user.send('/help')), /\/campaigns — list your campaigns/);
      assert.match(said(await user.send('hello?')), /I did not understand that/);
      assert.match(said(await user.send('/nonsense')), /I did not understand that/);
      assert.match(said(await user.send('/cancel')), /nothing to cancel/);
      assert.match(
        said(await user.pressData('cc:00000000-0000-4000-8000-000000000000')),
        /It no longer exists/,
      );
      assert.match(said(await user.pressData('zz:whatever')), /This button is outdated/);
      assert.match(said(await user.sendPhoto(await png())), /open a campaign in \/campaigns/);

      await user.send('/campaigns');
      await user.press('Create');
      assert.match(said(await user.send('/cancel')), /^Cancelled\.$/);
      assert.match(said(await user.send('just text')), /I did not understand that/);
    });

    test('a command or a button of another screen during a dialog leaves the dialog and runs', async () => {
      const { h } = shared;
      const { user, advertiser } = await linkedUser(h);
      await h.seed.campaign(advertiser.advertiser_id, { ad_title: 'Existing' });
      await user.send('/campaigns');
      await user.press('Create');
      assert.match(said(await user.send('/help')), /AdNova bot for advertisers/);
      assert.match(said(await user.send('A title?')), /I did not understand that/);

      await user.send('/campaigns');
      await user.press('Create');
      const list = user
        .messages()
        .filter((m) => m.text?.includes('Campaigns'))
        .at(-1);
      const card = await user.press('Existing', list);
      assert.match(said(card), /Existing\nText\n\nID:/);
      assert.match(said(await user.send('Another title')), /I did not understand that/);
    });

    test('the list pages through campaigns, 5 per page, newest end day first', async () => {
      const { h } = shared;
      const { user, advertiser } = await linkedUser(h);
      for (let i = 1; i <= 7; i++) {
        await h.seed.campaign(advertiser.advertiser_id, { ad_title: `Campaign ${i}`, end_date: 10 + i });
      }
      const first = await user.send('/campaigns');
      assert.match(said(first), /Campaigns \(7\) · page 1\/2/);
      assert.deepEqual(buttonsOf(first).slice(1, 3), ['🟢 Campaign 7 · 0–17', '🟢 Campaign 6 · 0–16']);
      assert.ok(buttonsOf(first).includes('Next ▶️'));
      const second = await user.press('Next');
      assert.equal(second.find((a) => a.method === 'editMessageText')?.messageId, first[0]?.messageId);
      assert.match(said(second), /page 2\/2/);
      assert.deepEqual(buttonsOf(second).slice(1), [
        '🟢 Campaign 2 · 0–12',
        '🟢 Campaign 1 · 0–11',
        '◀️ Back',
      ]);
      const card = await user.press('Campaign 1');
      assert.match(said(card), /Campaign 1\nText\n\nID:/);
      assert.match(said(await user.press('Back to list')), /page 1\/2/);
    });

    test('images: a photo is uploaded, an invalid file is refused with the reason, show and delete', async () => {
      const { h } = shared;
      const { user, advertiser } = await linkedUser(h);
      const campaign = await h.seed.campaign(advertiser.advertiser_id, { ad_title: 'Pictured' });
      await user.send('/campaigns');
      await user.press('Pictured');
      assert.match(said(await user.press('Upload image')), /Send me a photo/);
      assert.match(said(await user.send('here it comes')), /That is not an image/);
      assert.match(
        said(await user.sendDocument(Buffer.from('%PDF-1.4'), 'a.pdf', 'application/pdf')),
        /not an image/,
      );
      const broken = await user.sendDocument(Buffer.from('not really a png'), 'fake.png', 'image/png');
      assert.match(said(broken), /Invalid data: File must be a valid image\./);
      const image = await png();
      const uploaded = await user.sendPhoto(image);
      assert.match(said(uploaded), /Image uploaded\./);
      assert.match(lastText(uploaded), /Image: yes/);
      const stored = await api<Campaign>(
        h,
        `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
      );
      assert.ok(stored.body.ad_image);

      const shown = await user.press('Show image');
      const photo = shown.find((a) => a.method === 'sendPhoto');
      assert.ok(photo?.photo);
      assert.deepEqual(photo.photo, image);
      assert.equal(photo.caption, 'Image of “Pictured”');

      // When the bot cannot fetch the image, it sends the link instead of failing.
      const imageUrl = stored.body.ad_image;
      await h.adnova.deps.storage.delete(imageUrl.slice(`${h.adnova.url}/media/`.length));
      const linked = await user.press(
        'Show image',
        user
          .messages()
          .filter((m) => m.text?.includes('Image: yes'))
          .at(-1),
      );
      assert.equal(said(linked), 'Image of “Pictured”: open the image');
      assert.match(linked.at(-1)?.text ?? '', new RegExp(`<a href="${imageUrl}">`));

      const removed = await user.press(
        'Delete image',
        user
          .messages()
          .filter((m) => m.text?.includes('Image: yes'))
          .at(-1),
      );
      assert.equal(removed.find((a) => a.method === 'answerCallbackQuery')?.toast, 'Campaign image deleted.');
      assert.match(lastText(removed), /Image: none/);
    });

    test('ad text generation: propose, retry, accept, saved to the campaign', async () => {
      const { h } = shared;
      const { user, advertiser } = await linkedUser(h, { name: 'Nova Coffee' });
      const campaign = await h.seed.campaign(advertiser.advertiser_id, { ad_title: 'Morning coffee' });
      await user.send('/campaigns');
      await user.press('Morning coffee');
      const first = await user.press('Generate ad text');
      assert.match(said(first), /Writing an ad text…\nProposed ad text/);
      assert.deepEqual(buttonsOf(first), ['✅ Use this text', '🔄 Try again', '❌ Cancel']);
      const second = await user.press('Try again');
      assert.match(said(second), /Proposed ad text/);
      const proposed = plain(second.at(-1)?.text).replace('Proposed ad text\n\n', '');
      const accepted = await user.press('Use this text');
      assert.match(said(accepted), /Ad text saved\./);
      const stored = await api<Campaign>(
        h,
        `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
      );
      assert.equal(stored.body.ad_text, proposed);
      assert.match(proposed, /Nova Coffee|Morning coffee/);
    });

    test('creation offers AI for the ad text', async () => {
      const { h } = shared;
      const { user } = await linkedUser(h);
      await user.send('/campaigns');
      await user.press('Create');
      await user.send('Fresh bread');
      const proposal = await user.press('Generate with AI');
      assert.match(said(proposal), /Proposed ad text/);
      const text = plain(proposal.at(-1)?.text).replace('Proposed ad text\n\n', '');
      assert.match(said(await user.press('Use this text')), /How many impressions at most\?/);
      for (const answer of ['10', '1', '1', '1', '0', '3']) await user.send(answer);
      await user.press('Skip');
      await user.press('Skip');
      await user.press('Skip');
      const summary = await user.press('Skip');
      assert.match(
        said(summary),
        new RegExp(`Ad text: ${text.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      assert.match(said(summary), /Gender: anyone/);
      assert.match(said(await user.press('✅ Create')), /Campaign created\./);
    });

    test('Russian for a Russian Telegram app, and /language switches', async () => {
      const { h } = shared;
      const advertiser = await h.seed.advertiser({ name: 'Кофейня' });
      const ivan = h.tg.user({ languageCode: 'ru' });
      assert.match(said(await ivan.send('/start')), /Пришлите мне одноразовый код привязки/);
      assert.match(said(await ivan.send(await h.linkCode(advertiser.advertiser_id))), /Вы вошли как Кофейня/);
      const chooser = await ivan.send('/language');
      assert.deepEqual(buttonsOf(chooser), ['English', 'Русский']);
      assert.equal(said(await ivan.press('English')), 'Language: English.');
      assert.match(said(await ivan.send('/help')), /AdNova bot for advertisers/);
      await ivan.send('/language');
      assert.equal(said(await ivan.press('Русский')), 'Язык: русский.');
      assert.match(said(await ivan.send('/campaigns')), /Кампаний пока нет/);
    });

    test('the bot is for private chats', async () => {
      const { h } = shared;
      const user = h.tg.user();
      const inGroup = await user.deliver({
        message: {
          message_id: 1,
          date: 0,
          chat: { id: -100123, type: 'supergroup', title: 'Team' },
          from: user.user,
          text: '/campaigns',
          entities: [{ type: 'bot_command', offset: 0, length: 10 }],
        },
      });
      assert.deepEqual(inGroup, []);
      assert.ok(
        h.tg.actions.some((a) => a.chatId === -100123 && a.text === 'Please talk to me in a private chat.'),
      );
    });
  });

  test('frozen fields: a limit changed after the campaign started meanwhile is refused with the reason', async (t) => {
    const h = await startHarness(t);
    const { user, advertiser } = await linkedUser(h);
    await h.seed.campaign(advertiser.advertiser_id, { ad_title: 'Later', start_date: 3, end_date: 9 });
    await user.send('/campaigns');
    await user.press('Later');
    const menu = await user.press('Edit campaign');
    assert.ok(buttonsOf(menu).includes('Impressions limit'), 'not started: nothing is locked');
    await user.press('Impressions limit');
    await h.seed.advance(3);
    const refused = await user.send('500');
    assert.match(said(refused), /Forbidden changing campaign: Forbidden/);
    assert.match(lastText(refused), /Status: active \(today is day 3\)/);
  });

  test('id login when BOT_ALLOW_ID_LOGIN is on', async (t) => {
    const h = await startHarness(t, { env: { BOT_ALLOW_ID_LOGIN: 'true' } });
    const advertiser = await h.seed.advertiser({ name: 'Old School' });
    const user = h.tg.user();
    assert.match(said(await user.send('/start')), /You can also send your advertiser UUID/);
    assert.match(said(await user.send(randomUUID())), /Advertiser with this UUID not found\./);
    assert.match(
      said(await user.send(advertiser.advertiser_id.toUpperCase())),
      /Successfully authenticated as Old School/,
    );
  });

  test('flood protection: updates over the limit are dropped with one warning', async (t) => {
    const h = await startHarness(t, { env: { BOT_RATE_LIMIT: '2', BOT_RATE_LIMIT_WINDOW_MS: '60000' } });
    const user = h.tg.user();
    assert.match(said(await user.send('/help')), /AdNova bot/);
    assert.match(said(await user.send('/help')), /AdNova bot/);
    const warning = h.tg.nextAction((a) => a.chatId === user.chatId);
    assert.deepEqual(
      (await user.send('/help')).filter((a) => a.text?.includes('AdNova bot')),
      [],
    );
    assert.equal((await warning).text, 'Too many messages at once. Please wait a moment and try again.');
    const quiet = await user.send('/help');
    assert.deepEqual(quiet, []);
    // Other users are not affected.
    assert.match(said(await h.tg.user().send('/help')), /AdNova bot/);
  });

  test('AdNova errors become clear messages: API unreachable, bot token refused', async (t) => {
    const down = await startHarness(t, { env: { BOT_BACKEND_URL: 'http://127.0.0.1:9' } });
    assert.match(said(await down.tg.user().send('/campaigns')), /AdNova is temporarily unavailable/);
    const refused = await startHarness(t, { env: { BOT_API_TOKEN: 'not-the-token' } });
    assert.match(said(await refused.tg.user().send('/campaigns')), /misconfigured/);
  });

  test('Redis: sessions and an open dialog survive a bot restart', { skip: needsRedis }, async (t) => {
    const h = await startHarness(t, { storage: 'redis' });
    assert.equal(h.botDeps.store.kind, 'redis');
    const { user, advertiser } = await linkedUser(h);
    await user.send('/language');
    await user.press('Русский');
    await user.send('/campaigns');
    await user.press('Создать');
    await user.send('Survivor');
    await h.restartBot();
    assert.match(said(await user.send('Text after the restart')), /Сколько показов максимум/);
    assert.match(said(await user.send('10')), /Сколько кликов максимум/);
    await user.send('/cancel');
    const campaigns = await api<Campaign[]>(h, `/advertisers/${advertiser.advertiser_id}/campaigns`);
    assert.deepEqual(campaigns.body, []);
  });
});
