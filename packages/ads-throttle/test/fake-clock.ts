import type { Clock } from '../src/store.ts';

/** A clock tests move by hand; time never passes on its own. */
export interface FakeClock extends Clock {
  advance(seconds: number): void;
  set(ms: number): void;
}

/** Monday 2026-01-05 12:00:00 UTC, so dates in assertions are easy to read. */
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

/** Creates a fake clock starting at `start` (default `T0`). */
export function createFakeClock(start: number = T0): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance(seconds) {
      now += seconds * 1000;
    },
    set(ms) {
      now = ms;
    },
  };
}
