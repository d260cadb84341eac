import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_DAILY_DAYS } from './stats.schema.ts';
import { dailyWindow, dayWindowIssues } from './stats.ts';

const MAX_DAY = 2_147_483_647;

test('issue 12: the default window is the last 3660 days of the range, the whole range when shorter', () => {
  assert.deepEqual(dailyWindow({ first: 0, last: 5 }, {}), { first: 0, last: 5 });
  assert.deepEqual(dailyWindow({ first: 0, last: 3659 }, {}), { first: 0, last: 3659 });
  assert.deepEqual(dailyWindow({ first: 0, last: 3660 }, {}), { first: 1, last: 3660 });
  assert.deepEqual(dailyWindow({ first: 0, last: MAX_DAY }, {}), {
    first: MAX_DAY - MAX_DAILY_DAYS + 1,
    last: MAX_DAY,
  });
  // An empty range (a campaign that has not started) stays empty.
  assert.equal(dailyWindow({ first: 9, last: 4 }, {}), undefined);
});

test('issue 12: explicit windows are intersected with the range; one end alone spans up to 3660 days', () => {
  const range = { first: 10, last: 100_000 };
  assert.deepEqual(dailyWindow(range, { from_day: 0, to_day: 20 }), { first: 10, last: 20 });
  assert.deepEqual(dailyWindow(range, { from_day: 99_999, to_day: 200_000 }), {
    first: 99_999,
    last: 100_000,
  });
  assert.equal(dailyWindow(range, { from_day: 0, to_day: 9 }), undefined);
  assert.deepEqual(dailyWindow(range, { from_day: 50 }), { first: 50, last: 50 + MAX_DAILY_DAYS - 1 });
  assert.deepEqual(dailyWindow(range, { to_day: 50 }), { first: 10, last: 50 });
  assert.deepEqual(dailyWindow(range, { to_day: 90_000 }), {
    first: 90_000 - MAX_DAILY_DAYS + 1,
    last: 90_000,
  });
  // Near 2^31 − 1 nothing overflows: windows are plain numbers, capped by the range.
  assert.deepEqual(dailyWindow({ first: 0, last: MAX_DAY }, { from_day: MAX_DAY }), {
    first: MAX_DAY,
    last: MAX_DAY,
  });
});

test('issue 12: window issues name the field and the limit', () => {
  assert.deepEqual(dayWindowIssues({}), []);
  assert.deepEqual(dayWindowIssues({ from_day: 0, to_day: MAX_DAILY_DAYS - 1 }), []);
  const [wide] = dayWindowIssues({ from_day: 0, to_day: MAX_DAILY_DAYS });
  assert.deepEqual(wide?.loc, ['query', 'to_day']);
  assert.match(wide?.msg ?? '', /at most 3660 days/);
  assert.deepEqual(
    dayWindowIssues({ from_day: 5, to_day: 4 }).map((i) => i.loc),
    [['query', 'from_day']],
  );
  for (const bad of [-1, 1.5, Number.NaN, MAX_DAY + 1, Number.POSITIVE_INFINITY]) {
    assert.equal(dayWindowIssues({ from_day: bad }).length, 1, String(bad));
    assert.equal(dayWindowIssues({ to_day: bad }).length, 1, String(bad));
  }
});
