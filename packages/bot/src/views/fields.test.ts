import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogues } from '../i18n/i18n.ts';
import { type FieldContext, fieldOfDetail, parseField, updateBody } from './fields.ts';

const m = catalogues.en;
const none: FieldContext = { today: 0, draft: {} };
const parse = (field: Parameters<typeof parseField>[0], text: string, ctx = none) =>
  parseField(field, text, ctx, m);

test('numbers: whole numbers with spaces, decimals with a comma, bounds', () => {
  assert.deepEqual(parse('impressions_limit', ' 1 000 '), { ok: true, value: 1000 });
  assert.deepEqual(parse('impressions_limit', '1.5'), { ok: false, error: m.validation.wholeNumber });
  assert.deepEqual(parse('impressions_limit', '-3'), { ok: false, error: m.validation.atLeast(0) });
  assert.deepEqual(parse('impressions_limit', '9007199254740992'), {
    ok: false,
    error: m.validation.atMost(Number.MAX_SAFE_INTEGER),
  });
  assert.deepEqual(parse('cost_per_click', '0,25'), { ok: true, value: 0.25 });
  assert.deepEqual(parse('cost_per_click', '.5'), { ok: true, value: 0.5 });
  assert.deepEqual(parse('cost_per_click', 'free'), { ok: false, error: m.validation.decimal });
  assert.deepEqual(parse('age_from', '101'), { ok: false, error: m.validation.atMost(100) });
});

test('cross-field rules against the other values', () => {
  const draft = {
    impressions_limit: 10,
    clicks_limit: 5,
    start_date: 3,
    end_date: 8,
    age_from: 20,
    age_to: 30,
  };
  const ctx: FieldContext = { today: 2, draft };
  assert.equal(parse('clicks_limit', '11', ctx).ok, false);
  assert.equal(parse('impressions_limit', '4', ctx).ok, false);
  assert.deepEqual(parse('start_date', '1', ctx), { ok: false, error: m.validation.startBeforeToday(2) });
  assert.deepEqual(parse('start_date', '9', ctx), { ok: false, error: m.validation.startAfterEnd(8) });
  assert.deepEqual(parse('end_date', '2', ctx), { ok: false, error: m.validation.endBeforeStart(3) });
  assert.deepEqual(parse('age_to', '19', ctx), { ok: false, error: m.validation.ageOrder(20) });
  assert.deepEqual(parse('age_from', '31', ctx), { ok: false, error: m.validation.ageFromOverTo(30) });
  assert.deepEqual(parse('end_date', '8', ctx), { ok: true, value: 8 });
});

test('texts, gender words and "-" for no restriction', () => {
  assert.deepEqual(parse('ad_title', '  Hello  '), { ok: true, value: 'Hello' });
  assert.deepEqual(parse('ad_title', '   '), { ok: false, error: m.validation.notEmpty });
  assert.deepEqual(parse('ad_text', 'x'.repeat(10_001)), { ok: false, error: m.validation.tooLong(10_000) });
  assert.deepEqual(parse('gender', 'female'), { ok: true, value: 'FEMALE' });
  assert.deepEqual(parseField('gender', 'Мужчины', none, catalogues.ru), { ok: true, value: 'MALE' });
  assert.deepEqual(parse('gender', 'robots'), { ok: false, error: m.validation.gender });
  for (const field of ['gender', 'age_from', 'age_to', 'location'] as const) {
    assert.deepEqual(parse(field, ' - '), { ok: true, value: null });
  }
  assert.equal(parse('ad_title', '-').ok, true);
  assert.equal(parse('start_date', '-').ok, false);
});

test('the API message names the field to ask again', () => {
  assert.equal(fieldOfDetail('start_date must be greater or equal than the current_date.'), 'start_date');
  assert.equal(fieldOfDetail("clicks_limit can't be greater than impressions_limit."), 'clicks_limit');
  assert.equal(fieldOfDetail('targeting.age_to must be <= 100'), 'age_to');
  assert.equal(fieldOfDetail('Forbidden'), undefined);
});

test('a targeting field is saved by resending the whole targeting', () => {
  const campaign = {
    targeting: { gender: 'MALE' as const, age_from: 18, age_to: null, location: 'Kazan' },
  } as Parameters<typeof updateBody>[0];
  assert.deepEqual(updateBody(campaign, 'location', null), {
    targeting: { gender: 'MALE', age_from: 18, age_to: null, location: null },
  });
  assert.deepEqual(updateBody(campaign, 'cost_per_click', 2), { cost_per_click: 2 });
});
