import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { createConcurrencyLimit, type RunOptions } from '../shared/concurrency.ts';

/**
 * scrypt cost: OWASP's N=2^15, r=8, p=3 row (as strong as its N=2^17, p=1 recommendation, with a
 * quarter of the memory per hash: 32 MiB). Runs on libuv's thread pool, never on the event loop.
 */
const COST = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_BYTES = 64;
const SALT_BYTES = 16;

/** Derivations running at once in this process, and how many more may wait (spec §8 #40). */
export const PASSWORD_HASH_CONCURRENCY = 2;
export const PASSWORD_HASH_QUEUE = 2;
/** The Retry-After of a password check refused because the process is busy with others, seconds. */
export const PASSWORD_HASH_RETRY_AFTER_SECONDS = 1;

/**
 * One derivation takes about 0.45 s of a core here, on one of libuv's 4 threads, which file reads,
 * DNS lookups and zlib share. 150 parallel logins once queued a real login for 56 s (issue 12). So
 * at most 2 run (2 threads stay free), 2 wait (under a second), one per client, and any more are
 * refused at once with 429. The thread pool belongs to the process, hence one bound per module.
 */
const hashing = createConcurrencyLimit({
  concurrency: PASSWORD_HASH_CONCURRENCY,
  queue: PASSWORD_HASH_QUEUE,
  onFull: () =>
    new AppError('RATE_LIMITED', 'Too many password checks at once; try again in a second.', {
      headers: { 'Retry-After': String(PASSWORD_HASH_RETRY_AFTER_SECONDS) },
    }),
});

/** This process's password derivations: running, waiting, most at once, started and refused so far. */
export function passwordHashingStats() {
  return hashing.stats();
}

/**
 * Who asks for a derivation: `client` (a login's address) gets at most one running or waiting;
 * `wait` (start-up only) queues instead of being refused.
 */
export type HashOptions = RunOptions;

function derive(
  password: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
  options: HashOptions,
): Promise<Buffer> {
  // 128·N·r bytes are needed; Node's default ceiling (32 MiB) is exactly that, so leave headroom.
  const scryptOptions: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return hashing.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_BYTES, scryptOptions, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      }),
    options,
  );
}

/**
 * `scrypt$N$r$p$<salt, base64>$<key, base64>`: self-describing, so the cost can change later.
 * @throws AppError RATE_LIMITED when the process already runs and queues all the derivations it takes.
 */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, options);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * A hash of no password at all (a random key): checking against it costs one derivation, like a
 * real check, and never matches. Made without deriving, so the first unknown user costs no more.
 */
const DECOY = [
  'scrypt',
  COST.N,
  COST.r,
  COST.p,
  randomBytes(SALT_BYTES).toString('base64'),
  randomBytes(KEY_BYTES).toString('base64'),
].join('$');

/**
 * Checks a password against a stored hash in constant time. With no hash (unknown user) it still
 * spends one derivation on a decoy, so response times do not tell which usernames exist; when the
 * process is too busy, known and unknown users alike are refused at once.
 * `needsRehash` is set when the hash used another cost than today's.
 * @throws AppError RATE_LIMITED when the process already runs and queues all the derivations it
 * takes, or `options.client` already has one running or waiting.
 */
export async function verifyPassword(
  password: string,
  stored: string | undefined,
  options: HashOptions = {},
): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (stored === undefined) {
    await verifyPassword(password, DECOY, options);
    return { ok: false, needsRehash: false };
  }
  const [scheme, n, r, p, salt, key] = stored.split('$');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || salt === undefined || key === undefined || !Object.values(cost).every(isCost)) {
    return { ok: false, needsRehash: false };
  }
  const expected = Buffer.from(key, 'base64');
  if (expected.length === 0) return { ok: false, needsRehash: false };
  const actual = await derive(password, Buffer.from(salt, 'base64'), cost, options).catch(
    (error: unknown) => {
      if (error instanceof AppError) throw error;
      return undefined;
    },
  );
  if (actual === undefined || actual.length !== expected.length) return { ok: false, needsRehash: false };
  return {
    ok: timingSafeEqual(actual, expected),
    needsRehash: cost.N !== COST.N || cost.r !== COST.r || cost.p !== COST.p,
  };
}

function isCost(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value <= 2 ** 20;
}

/** Smallest password length the panel accepts. */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password accepted: scrypt hashes any length, but a bound keeps requests cheap. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Why a new password is refused; the admin translates these codes. */
export type PasswordProblem =
  | 'password_too_short'
  | 'password_too_long'
  | 'password_numeric'
  | 'password_similar';

/** Django's default rules, minus the common-password list: length, not only digits, not the username. */
export function passwordProblems(password: string, username: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push('password_too_short');
  if (password.length > MAX_PASSWORD_LENGTH) problems.push('password_too_long');
  if (/^\d+$/.test(password)) problems.push('password_numeric');
  const name = username.trim().toLowerCase();
  const lowered = password.toLowerCase();
  if (name.length >= 3 && (lowered.includes(name) || name.includes(lowered)))
    problems.push('password_similar');
  return problems;
}
