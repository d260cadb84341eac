import { createHash, createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { hashPassword, PASSWORD_HASH_RETRY_AFTER_SECONDS, verifyPassword } from './passwords.ts';
import type { StaffPrincipal } from './permissions.ts';
import {
  deleteExpiredSessionRows,
  deleteSessionRow,
  effectivePermissionRows,
  findLiveSessionRow,
  findStaffUserByUsername,
  insertSessionRow,
  updateStaffUserRow,
} from './staff.repo.ts';
import { type StaffUser, toStaffUser } from './users.ts';

/** The row id of a session token: its SHA-256, so stored ids cannot be replayed as cookies. */
function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new login: the token goes into the (signed) cookie, only its hash into the database. */
export type NewSession = { token: string; sessionId: string; expiresAt: Date };

/** Opens a session of `sessionTtlSeconds` for the user and sweeps expired ones. */
export async function createSession(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  userId: number,
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now + deps.config.admin.sessionTtlSeconds * 1000);
  await deleteExpiredSessionRows(deps.db, new Date(now));
  const id = sessionId(token);
  await insertSessionRow(deps.db, { id, userId, expiresAt });
  return { token, sessionId: id, expiresAt };
}

/** Who is logged in with this session token. */
export type ActiveSession = { sessionId: string; user: StaffUser; principal: StaffPrincipal };

/**
 * The session of a token, if it is live and its user active, with the user's effective
 * permissions (own and groups'), read fresh on every request so revocations apply at once.
 */
export async function findSession(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
): Promise<ActiveSession | undefined> {
  if (token === '' || token.length > 200) return undefined;
  const found = await findLiveSessionRow(deps.db, sessionId(token), new Date(deps.clock.now()));
  if (!found) return undefined;
  const user = toStaffUser(found.user);
  const permissions = user.isSuperuser ? [] : await effectivePermissionRows(deps.db, user.id);
  return {
    sessionId: found.sessionId,
    user,
    principal: {
      id: user.id,
      username: user.username,
      isSuperuser: user.isSuperuser,
      permissions: new Set(permissions),
    },
  };
}

/** Logout: the session stops working everywhere at once. */
export async function deleteSession(deps: Pick<Deps, 'db'>, token: string): Promise<void> {
  await deleteSessionRow(deps.db, sessionId(token));
}

/**
 * Why a login failed: wrong credentials (or an inactive account), or a limit: too many attempts
 * for this username from this IP (`account`), from this IP whatever the usernames (`client`), or
 * more password checks at once than the process takes (`hashing`).
 */
export type LoginResult =
  | { ok: true; user: StaffUser }
  | { ok: false; reason: 'invalid' }
  | {
      ok: false;
      reason: 'rate_limited';
      limit: 'account' | 'client' | 'hashing';
      retryAfterSeconds: number;
    };

/**
 * The client a login limit counts: an IPv4 address (also written IPv4-mapped), or the /64 network
 * of an IPv6 one, since one host is routinely given a whole /64 to pick addresses from.
 */
export function loginClient(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4?.[1] !== undefined) return v4[1];
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  // An embedded IPv4 tail (`::1.2.3.4`) fills two groups.
  const width = (list: string[]) => list.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? 0 : 8 - width(groups(head)) - width(groups(tail));
  const all = [...groups(head), ...Array<string>(Math.max(0, zeros)).fill('0'), ...groups(tail)];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Checks a username and password (spec §8 #40). Before any password work, attempts are counted in
 * the shared cache (Redis when configured, so the limits hold across processes), each in one atomic
 * increment: per client IP whatever the usernames (`loginMaxAttemptsPerIp`), then per username and
 * IP (`loginMaxAttempts`), both per `loginWindowSeconds`; past either, attempts are refused without
 * checking. The check itself takes one of the process's few password-hashing slots (one per
 * client); when none is free it is refused at once rather than queued. Unknown users cost one
 * derivation like known ones, within that bound. A successful login clears its username count,
 * not the IP's (else one valid account would reset the IP limit for guesses at others). Counter
 * keys hold only keyed hashes of usernames and IPs.
 */
export async function authenticate(
  deps: Pick<Deps, 'db' | 'cache' | 'config' | 'clock'>,
  input: { username: string; password: string; ip: string; keySecret: string },
): Promise<LoginResult> {
  const { loginMaxAttempts, loginMaxAttemptsPerIp, loginWindowSeconds } = deps.config.admin;
  const limited = (limit: 'account' | 'client' | 'hashing', retryAfterSeconds: number): LoginResult => ({
    ok: false,
    reason: 'rate_limited',
    limit,
    retryAfterSeconds,
  });
  const keyed = (text: string) => createHmac('sha256', input.keySecret).update(text).digest('hex');
  const username = input.username.trim();
  const client = loginClient(input.ip);
  const clientAttempts = await deps.cache.incr(`adnova:admin:login-ip:${keyed(client)}`, loginWindowSeconds);
  if (clientAttempts > loginMaxAttemptsPerIp) return limited('client', loginWindowSeconds);
  const key = `adnova:admin:login:${keyed(`${username.toLowerCase()}\u0000${input.ip}`)}`;
  const attempts = await deps.cache.incr(key, loginWindowSeconds);
  if (attempts > loginMaxAttempts) return limited('account', loginWindowSeconds);
  const row = username === '' ? undefined : await findStaffUserByUsername(deps.db, username);
  let check: Awaited<ReturnType<typeof verifyPassword>>;
  try {
    check = await verifyPassword(input.password, row?.isActive ? row.passwordHash : undefined, { client });
  } catch (error) {
    if (error instanceof AppError && error.code === 'RATE_LIMITED') {
      return limited('hashing', PASSWORD_HASH_RETRY_AFTER_SECONDS);
    }
    throw error;
  }
  if (!row || !check.ok) return { ok: false, reason: 'invalid' };
  await deps.cache.del(key);
  // Upgrading an old hash is opportunistic: when the process is busy, the next login does it.
  const rehashed = check.needsRehash ? await hashPassword(input.password).catch(() => undefined) : undefined;
  const updated = await updateStaffUserRow(deps.db, row.id, {
    lastLoginAt: new Date(deps.clock.now()),
    ...(rehashed !== undefined && { passwordHash: rehashed }),
  });
  return { ok: true, user: toStaffUser(updated && updated !== 'conflict' ? updated : row) };
}
