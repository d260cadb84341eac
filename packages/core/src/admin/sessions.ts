import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
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

/** Why a login failed: wrong credentials (or an inactive account), or too many attempts. */
export type LoginResult =
  | { ok: true; user: StaffUser }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * Checks a username and password. Attempts are counted per username and client IP in the shared
 * cache (Redis when configured, so the limit holds across processes) before the password is
 * checked, in one atomic increment; more than `loginMaxAttempts` in `loginWindowSeconds` are
 * refused without checking. A successful login clears the count. Counter keys hold only a keyed
 * hash of the username and IP. Unknown users cost as much time as known ones.
 */
export async function authenticate(
  deps: Pick<Deps, 'db' | 'cache' | 'config' | 'clock'>,
  input: { username: string; password: string; ip: string; keySecret: string },
): Promise<LoginResult> {
  const { loginMaxAttempts, loginWindowSeconds } = deps.config.admin;
  const username = input.username.trim();
  const fingerprint = createHmac('sha256', input.keySecret)
    .update(`${username.toLowerCase()}\u0000${input.ip}`)
    .digest('hex');
  const key = `adnova:admin:login:${fingerprint}`;
  const attempts = await deps.cache.incr(key, loginWindowSeconds);
  if (attempts > loginMaxAttempts) {
    return { ok: false, reason: 'rate_limited', retryAfterSeconds: loginWindowSeconds };
  }
  const row = username === '' ? undefined : await findStaffUserByUsername(deps.db, username);
  const check = await verifyPassword(input.password, row?.isActive ? row.passwordHash : undefined);
  if (!row || !check.ok) return { ok: false, reason: 'invalid' };
  await deps.cache.del(key);
  const updated = await updateStaffUserRow(deps.db, row.id, {
    lastLoginAt: new Date(deps.clock.now()),
    ...(check.needsRehash && { passwordHash: await hashPassword(input.password) }),
  });
  return { ok: true, user: toStaffUser(updated && updated !== 'conflict' ? updated : row) };
}
