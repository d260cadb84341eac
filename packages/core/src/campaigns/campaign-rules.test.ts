import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignRuleIssues, FROZEN_FIELDS, frozenFieldsChanged } from './campaign-rules.ts';

const rules = (...args: Parameters<typeof campaignRuleIssues>) =>
  campaignRuleIssues(...args).map((i) => i.rule);

test('cross-field rules: each broken one is reported, in the API order, on the field the API names', () => {
  const valid = {
    impressions_limit: 10,
    clicks_limit: 10,
    start_date: 5,
    end_date: 5,
    age_from: 20,
    age_to: 20,
  };
  assert.deepEqual(campaignRuleIssues(valid, 5), []);
  const broken = campaignRuleIssues(
    { impressions_limit: 1, clicks_limit: 2, start_date: 4, end_date: 3, age_from: 30, age_to: 20 },
    5,
  );
  assert.deepEqual(
    broken.map((i) => [i.rule, i.field]),
    [
      ['clicks_over_impressions', 'clicks_limit'],
      ['start_after_end', 'start_date'],
      ['start_before_today', 'start_date'],
      ['age_from_over_to', 'age_from'],
    ],
  );
  assert.equal(broken[0]?.message, "clicks_limit can't be greater than impressions_limit.");
});

test('a rule whose values are not all known is not checked; a past start only when it is new', () => {
  assert.deepEqual(rules({ clicks_limit: 5 }), []);
  assert.deepEqual(rules({ age_from: 50, age_to: null }), []);
  assert.deepEqual(rules({ start_date: 1, end_date: 9 }), [], 'no today: an unchanged start may be past');
  assert.deepEqual(rules({ start_date: 1, end_date: 9 }, 2), ['start_before_today']);
});

test('frozen fields: only a different value counts as a change', () => {
  const current = { impressions_limit: 10, clicks_limit: 5, start_date: 1, end_date: 9 };
  assert.deepEqual(FROZEN_FIELDS, ['impressions_limit', 'clicks_limit', 'start_date', 'end_date']);
  assert.deepEqual(frozenFieldsChanged(current, { impressions_limit: 10, end_date: 9 }), []);
  assert.deepEqual(frozenFieldsChanged(current, { clicks_limit: 6, end_date: 10 }), [
    'clicks_limit',
    'end_date',
  ]);
});
