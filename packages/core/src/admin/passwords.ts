import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost: OWASP's N=2^15, r=8, p=3 row (as strong as its N=2^17, p=1 recommendation, with a
 * quarter of the memory per hash: 32 MiB). Runs on libuv's thread pool, never on the event loop.
 */
const COST = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_BYTES = 64;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // 128·N·r bytes are needed; Node's default ceiling (32 MiB) is exactly that, so leave headroom.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<salt, base64>$<key, base64>`: self-describing, so the cost can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** A hash of a random password: verifying against it takes as long as a real check and never matches. */
let decoy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash in constant time. With no hash (unknown user) it still
 * spends one derivation on a decoy, so response times do not tell which usernames exist.
 * `needsRehash` is set when the hash used another cost than today's.
 */
export async function verifyPassword(
  password: string,
  stored: string | undefined,
): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (stored === undefined) {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await decoy);
    return { ok: false, needsRehash: false };
  }
  const [scheme, n, r, p, salt, key] = stored.split('$');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || salt === undefined || key === undefined || !Object.values(cost).every(isCost)) {
    return { ok: false, needsRehash: false };
  }
  const expected = Buffer.from(key, 'base64');
  if (expected.length === 0) return { ok: false, needsRehash: false };
  const actual = await derive(password, Buffer.from(salt, 'base64'), cost).catch(() => undefined);
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
