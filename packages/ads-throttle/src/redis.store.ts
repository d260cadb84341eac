import { createHash } from 'node:crypto';
import {
  type Clock,
  type HitInput,
  type HitResult,
  type HitState,
  systemClock,
  type ThrottleStore,
} from './store.ts';

/**
 * The two commands the store needs. An ioredis `Redis` or `Cluster` instance fits as it is; other clients
 * need a two-line adapter. The package never imports a Redis client itself, so ioredis stays optional.
 */
export interface RedisClientLike {
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Options of `createRedisStore`. */
export interface RedisStoreOptions {
  client: RedisClientLike;
  /**
   * Expiry is judged against this clock (passed to every script as ARGV), so windows and blocks follow
   * the host's clock and tests can use a fake one. Redis TTLs are still set, to reclaim memory.
   */
  clock?: Clock;
}

// Values carry their own expiry ("<expires at ms>|<value>") because expiry follows the injected clock;
// the Redis TTL only garbage-collects. Values without "|" are counters from INCR and never expire. All numbers are formatted with %d so Lua never prints 1.7e+12.
const LIVE = `
local function live(key, now)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local sep = string.find(raw, '|', 1, true)
  if not sep then return raw end
  if tonumber(string.sub(raw, 1, sep - 1)) <= now then
    redis.call('DEL', key)
    return nil
  end
  return string.sub(raw, sep + 1)
end
`;

/**
 * The atomic hit (behaviour §11): KEYS = count, block; ARGV = now ms, window ms, threshold, block ms,
 * reset flag.
 * The counter is a hash {n = count, e = window end ms}; the block flag's value is its end in ms.
 */
export const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local threshold = tonumber(ARGV[3])
local blockMs = tonumber(ARGV[4])
local blockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if blockedUntil > now then
  return {0, -1, 'blocked', string.format('%d', blockedUntil - now)}
end
if windowMs <= 0 then
  return {1, -1, 'first', '0'}
end
local windowEnds = tonumber(redis.call('HGET', KEYS[1], 'e') or '0') or 0
if windowEnds <= now then
  redis.call('DEL', KEYS[1])
end
local count = redis.call('HINCRBY', KEYS[1], 'n', 1)
if count == 1 then
  windowEnds = now + windowMs
  redis.call('HSET', KEYS[1], 'e', string.format('%d', windowEnds))
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
if count > threshold then
  if blockMs > 0 then
    redis.call('SET', KEYS[2], string.format('%d', now + blockMs), 'PX', blockMs)
    if ARGV[5] == '1' then
      redis.call('DEL', KEYS[1])
    end
    return {0, count, 'exceeded', string.format('%d', blockMs)}
  end
  return {0, count, 'exceeded', string.format('%d', windowEnds - now)}
end
if count == 1 then
  return {1, 1, 'first', '0'}
end
return {1, count, 'under', '0'}
`;

const ADD_ONCE_SCRIPT = `${LIVE}
local now = tonumber(ARGV[1])
local ttlMs = tonumber(ARGV[2])
if live(KEYS[1], now) then return 0 end
redis.call('SET', KEYS[1], string.format('%d', now + ttlMs) .. '|1', 'PX', ttlMs)
return 1
`;

const GET_SCRIPT = `${LIVE}
return live(KEYS[1], tonumber(ARGV[1]))
`;

const SET_SCRIPT = `
local now = tonumber(ARGV[1])
local ttlMs = tonumber(ARGV[2])
if ttlMs <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], string.format('%d', now + ttlMs) .. '|' .. ARGV[3], 'PX', ttlMs)
return 1
`;

const DELETE_SCRIPT = `return redis.call('DEL', KEYS[1])`;

const INCR_SCRIPT = `return redis.call('INCR', KEYS[1])`;

const INSPECT_SCRIPT = `
local now = tonumber(ARGV[1])
local count = -1
local windowEnds = tonumber(redis.call('HGET', KEYS[1], 'e') or '0') or 0
if windowEnds > now then
  count = tonumber(redis.call('HGET', KEYS[1], 'n') or '-1') or -1
end
local blockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local blockedFor = -1
if blockedUntil > now then blockedFor = blockedUntil - now end
return {count, string.format('%d', blockedFor)}
`;

interface Script {
  source: string;
  sha1: string;
}

function script(source: string): Script {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

const scripts = {
  hit: script(HIT_SCRIPT),
  addOnce: script(ADD_ONCE_SCRIPT),
  get: script(GET_SCRIPT),
  set: script(SET_SCRIPT),
  delete: script(DELETE_SCRIPT),
  incr: script(INCR_SCRIPT),
  inspect: script(INSPECT_SCRIPT),
};

/**
 * Redis counter store: every operation is one script call (EVALSHA, falling back to EVAL once after a
 * server restart), so counting, blocking and event gating are atomic across processes.
 * On a Redis Cluster (an ioredis `Cluster` as `client`) the two keys of `hit` and `inspect` must share a
 * hash slot; the keys of `storeKeys` do (the viewer pair is their `{hash tag}`), hand-made ones must too.
 */
export function createRedisStore(options: RedisStoreOptions): ThrottleStore {
  const { client } = options;
  const clock = options.clock ?? systemClock;

  const run = async (which: Script, keys: string[], args: Array<string | number>): Promise<unknown> => {
    try {
      return await client.evalsha(which.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return client.eval(which.source, keys.length, ...keys, ...args);
    }
  };

  return {
    kind: 'redis',

    async hit(input: HitInput): Promise<HitResult> {
      const reply = await run(
        scripts.hit,
        [input.countKey, input.blockKey],
        [
          clock.now(),
          Math.max(0, input.windowSeconds) * 1000,
          input.threshold,
          Math.max(0, input.blockSeconds) * 1000,
          input.resetCountOnBlock ? '1' : '0',
        ],
      );
      if (!Array.isArray(reply) || reply.length < 4) throw new Error('unexpected reply from the hit script');
      const [allowed, count, reason, retryAfter] = reply as [number, number, HitResult['reason'], string];
      const result: HitResult = {
        allowed: Number(allowed) === 1,
        count: count < 0 ? null : Number(count),
        reason,
      };
      if (!result.allowed) result.retryAfterMs = Number(retryAfter);
      return result;
    },

    async addOnce(key, ttlSeconds) {
      if (ttlSeconds <= 0) return true;
      return Number(await run(scripts.addOnce, [key], [clock.now(), ttlSeconds * 1000])) === 1;
    },

    async get(key) {
      const value = await run(scripts.get, [key], [clock.now()]);
      return typeof value === 'string' ? value : undefined;
    },

    async set(key, value, ttlSeconds) {
      await run(scripts.set, [key], [clock.now(), Math.max(0, ttlSeconds) * 1000, value]);
    },

    async delete(key) {
      await run(scripts.delete, [key], []);
    },

    async incr(key) {
      return Number(await run(scripts.incr, [key], []));
    },

    async inspect(keys): Promise<HitState> {
      const reply = await run(scripts.inspect, [keys.countKey, keys.blockKey], [clock.now()]);
      if (!Array.isArray(reply) || reply.length < 2)
        throw new Error('unexpected reply from the inspect script');
      const count = Number(reply[0]);
      const blockedFor = Number(reply[1]);
      return { count: count < 0 ? null : count, blockedForMs: blockedFor < 0 ? null : blockedFor };
    },
  };
}
