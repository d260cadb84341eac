import type { ThrottleStore } from '../src/store.ts';
import type { Logger } from '../src/throttle.ts';

/** One captured log call. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every call for assertions. */
export function captureLogger(): Logger & { entries: LogEntry[]; at(level: LogEntry['level']): LogEntry[] } {
  const entries: LogEntry[] = [];
  const log = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return {
    entries,
    at: (level) => entries.filter((entry) => entry.level === level),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/** Wraps a store, counting calls per method and optionally failing them. */
export function instrumentStore(inner: ThrottleStore): ThrottleStore & {
  calls: Record<string, number>;
  total(): number;
  fail(methods?: Array<keyof ThrottleStore>): void;
  heal(): void;
} {
  const calls: Record<string, number> = {};
  let failing = new Set<string>();
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      calls[name] = (calls[name] ?? 0) + 1;
      if (failing.has(name)) throw new Error(`simulated ${name} failure`);
      return fn(...args);
    };
  return {
    kind: inner.kind,
    calls,
    total: () => Object.values(calls).reduce((a, b) => a + b, 0),
    fail(methods = ['hit', 'addOnce', 'get', 'set', 'delete', 'incr', 'inspect']) {
      failing = new Set(methods);
    },
    heal() {
      failing = new Set();
    },
    hit: wrap('hit', (input) => inner.hit(input)),
    addOnce: wrap('addOnce', (key, ttl) => inner.addOnce(key, ttl)),
    get: wrap('get', (key) => inner.get(key)),
    set: wrap('set', (key, value, ttl) => inner.set(key, value, ttl)),
    delete: wrap('delete', (key) => inner.delete(key)),
    incr: wrap('incr', (key) => inner.incr(key)),
    inspect: wrap('inspect', (keys) => inner.inspect(keys)),
  };
}
