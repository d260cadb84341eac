import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type HitInput, storeKeys, type ThrottleStore } from '../src/store.ts';
import { createFakeClock } from './fake-clock.ts';
import type { StoreVariant } from './stores.ts';

/**
 * The one contract every counter store must pass (behaviour §11, §12 cases 23–33, 37, 42). Run against the
 * memory store always, the Redis store when REDIS_URL is set, and (from @adnova/core's tests) a real
 * Redis Cluster.
 */
export function runStoreContract(variant: StoreVariant): void {
  describe(`store contract: ${variant.name}`, { skip: variant.skip }, () => {
    after(() => variant.close());

    const setup = async (overrides: Partial<HitInput> = {}) => {
      const clock = createFakeClock();
      const { store, prefix, twin } = await variant.create(clock);
      // The library's own key shapes: on a Redis Cluster the two keys must share a hash slot.
      const keys = storeKeys(prefix);
      const input: HitInput = {
        countKey: keys.count('s', 'v'),
        blockKey: keys.block('s', 'v'),
        windowSeconds: 600,
        threshold: 3,
        blockSeconds: 3600,
        resetCountOnBlock: true,
        ...overrides,
      };
      const hits = async (n: number, extra: Partial<HitInput> = {}) => {
        const out: boolean[] = [];
        for (let i = 0; i < n; i += 1) out.push((await store.hit({ ...input, ...extra })).allowed);
        return out;
      };
      const state = () => store.inspect({ countKey: input.countKey, blockKey: input.blockKey });
      return { clock, store, prefix, input, hits, state, twin };
    };

    it('case 23: T=3, six hits give [T,T,T,F,F,F]; the block is set and, by default, the counter cleared', async () => {
      const { store, input, hits, state } = await setup();
      assert.deepEqual(await store.hit(input), { allowed: true, count: 1, reason: 'first' });
      assert.deepEqual(await store.hit(input), { allowed: true, count: 2, reason: 'under' });
      assert.deepEqual(await hits(1), [true]);
      const fourth = await store.hit(input);
      assert.equal(fourth.allowed, false);
      assert.equal(fourth.reason, 'exceeded');
      assert.equal(fourth.count, 4);
      assert.equal(fourth.retryAfterMs, 3_600_000);
      assert.deepEqual(await hits(2), [false, false]);
      assert.deepEqual(await state(), { count: null, blockedForMs: 3_600_000 });
    });

    it('case 23 (original W9 mode): without resetting, the count key holds 4 after six hits', async () => {
      const { hits, state } = await setup({ resetCountOnBlock: false });
      assert.deepEqual(await hits(6), [true, true, true, false, false, false]);
      assert.deepEqual(await state(), { count: 4, blockedForMs: 3_600_000 });
    });

    it('a blocked hit reports blocked, no count, and the time left', async () => {
      const { store, input, hits, clock } = await setup();
      await hits(4);
      clock.advance(100);
      assert.deepEqual(await store.hit(input), {
        allowed: false,
        count: null,
        reason: 'blocked',
        retryAfterMs: 3_500_000,
      });
    });

    it('case 25: T=0 refuses from the first hit (the port compares every hit; config rejects T=0)', async () => {
      const { hits } = await setup({ threshold: 0 });
      assert.deepEqual(await hits(3), [false, false, false]);
    });

    it('case 26: W=0 always allows and stores nothing', async () => {
      const { store, input, hits, state } = await setup({ windowSeconds: 0 });
      assert.deepEqual(await hits(30), Array(30).fill(true));
      assert.deepEqual(await store.hit(input), { allowed: true, count: null, reason: 'first' });
      assert.deepEqual(await state(), { count: null, blockedForMs: null });
    });

    it('case 27: B=0 stores no block key; the rest of the window is refused through the counter', async () => {
      const { hits, state, clock } = await setup({ blockSeconds: 0 });
      assert.deepEqual(await hits(6), [true, true, true, false, false, false]);
      const now = await state();
      assert.equal(now.blockedForMs, null);
      assert.equal(now.count, 6);
      clock.advance(600);
      assert.deepEqual(await hits(1), [true]);
    });

    it('case 28: W=100, three hits at t0 and one at t0+100 start a new window at count 1', async () => {
      const { store, input, hits, clock } = await setup({ windowSeconds: 100 });
      await hits(3);
      clock.advance(100);
      assert.deepEqual(await store.hit(input), { allowed: true, count: 1, reason: 'first' });
    });

    it('case 29: the window is fixed from the first hit, not the last', async () => {
      const { hits, clock } = await setup({ windowSeconds: 100 });
      await hits(1);
      clock.advance(90);
      await hits(1);
      clock.advance(5);
      await hits(1);
      clock.advance(4);
      assert.deepEqual(await hits(1), [false]);
    });

    it('case 30: W=100, B=1000: blocked at t0+999, shown at t0+1000 with the count restarting at 1', async () => {
      const { store, input, hits, clock } = await setup({ windowSeconds: 100, blockSeconds: 1000 });
      assert.deepEqual(await hits(4), [true, true, true, false]);
      clock.advance(999);
      assert.deepEqual(await hits(1), [false]);
      clock.advance(1);
      assert.deepEqual(await store.hit(input), { allowed: true, count: 1, reason: 'first' });
    });

    it('case 31 (port): W=1000, B=100: the block lasts exactly B, then a fresh count starts', async () => {
      const { store, input, hits, clock } = await setup({ windowSeconds: 1000, blockSeconds: 100 });
      assert.deepEqual(await hits(4), [true, true, true, false]);
      clock.advance(99);
      assert.deepEqual(await hits(1), [false]);
      clock.advance(2);
      assert.deepEqual(await store.hit(input), { allowed: true, count: 1, reason: 'first' });
    });

    it('case 31 (original W9 mode): re-blocks at +101 and +202, shows at +1202', async () => {
      const { hits, clock } = await setup({
        windowSeconds: 1000,
        blockSeconds: 100,
        resetCountOnBlock: false,
      });
      assert.deepEqual(await hits(4), [true, true, true, false]);
      clock.advance(101);
      assert.deepEqual(await hits(1), [false]);
      clock.advance(101);
      assert.deepEqual(await hits(1), [false]);
      clock.advance(1000);
      assert.deepEqual(await hits(1), [true]);
    });

    it('case 32: ten hits during a block leave the count unchanged', async () => {
      const { hits, state } = await setup({ resetCountOnBlock: false });
      await hits(4);
      const before = await state();
      await hits(10);
      assert.deepEqual(await state(), before);
    });

    it('case 33: different keys count independently', async () => {
      const { store, input, prefix } = await setup({ threshold: 1 });
      const keys = storeKeys(prefix);
      const other = { ...input, countKey: keys.count('b', 'v'), blockKey: keys.block('b', 'v') };
      assert.equal((await store.hit(input)).allowed, true);
      assert.equal((await store.hit(input)).allowed, false);
      assert.equal((await store.hit(other)).allowed, true);
    });

    it('case 37: 100 concurrent hits with T=20 give exactly 20 allowed, 80 refused', async () => {
      const { store, input, state } = await setup({ threshold: 20, resetCountOnBlock: false });
      const results = await Promise.all(Array.from({ length: 100 }, () => store.hit(input)));
      assert.equal(results.filter((r) => r.allowed).length, 20);
      assert.equal(results.filter((r) => r.reason === 'exceeded').length, 1);
      assert.equal(results.filter((r) => r.reason === 'blocked').length, 79);
      assert.equal((await state()).count, 21);
    });

    it('case 37: two handles on one store (two processes) never double-count', async () => {
      const { store, input, twin, clock } = await setup({ threshold: 20 });
      const other: ThrottleStore = twin(clock);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : other).hit(input)),
      );
      assert.equal(results.filter((r) => r.allowed).length, 20);
    });

    it('case 42: addOnce succeeds once per TTL; blocked=0 and blocked=1 gate keys are separate', async () => {
      const { store, prefix, clock } = await setup();
      const gate1 = `${prefix}ads_throttle:event:s:v:1`;
      const gate0 = `${prefix}ads_throttle:event:s:v:0`;
      assert.equal(await store.addOnce(gate1, 60), true);
      assert.equal(await store.addOnce(gate1, 60), false);
      assert.equal(await store.addOnce(gate0, 60), true);
      clock.advance(59);
      assert.equal(await store.addOnce(gate1, 60), false);
      clock.advance(1);
      assert.equal(await store.addOnce(gate1, 60), true);
    });

    it('addOnce with a TTL of 0 always succeeds (E = 0 writes every event)', async () => {
      const { store, prefix } = await setup();
      assert.equal(await store.addOnce(`${prefix}gate`, 0), true);
      assert.equal(await store.addOnce(`${prefix}gate`, 0), true);
    });

    it('get/set/delete honour the TTL on the injected clock', async () => {
      const { store, prefix, clock } = await setup();
      const key = `${prefix}ads_throttle:settings`;
      assert.equal(await store.get(key), undefined);
      await store.set(key, '{"a":1}', 300);
      assert.equal(await store.get(key), '{"a":1}');
      clock.advance(299);
      assert.equal(await store.get(key), '{"a":1}');
      clock.advance(1);
      assert.equal(await store.get(key), undefined);
      await store.set(key, 'x|y', 10);
      assert.equal(await store.get(key), 'x|y');
      await store.delete(key);
      assert.equal(await store.get(key), undefined);
      await store.set(key, 'gone', 0);
      assert.equal(await store.get(key), undefined);
    });

    it('incr counts up from 1 and never expires', async () => {
      const { store, prefix, clock } = await setup();
      const key = `${prefix}ads_throttle:overrides:version`;
      assert.equal(await store.incr(key), 1);
      assert.equal(await store.incr(key), 2);
      clock.advance(86_400 * 365);
      assert.equal(await store.get(key), '2');
    });
  });
}
