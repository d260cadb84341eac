import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import {
  countStaffUsers,
  deleteUserSessionRows,
  ensureSecretRow,
  findStaffUserByUsername,
  insertStaffUserRow,
  updateStaffUserRow,
} from './staff.repo.ts';

/** The account created at first start (spec api.md §7.4). */
export const DEFAULT_ADMIN_USERNAME = 'admin';
/** Its password outside production when `ADMIN_PASSWORD` is unset. */
export const DEFAULT_ADMIN_PASSWORD = 'admin';

// One derivation per process for the well-known default password; every embedded database (and
// every test app) created by this process reuses it.
let defaultHash: Promise<string> | undefined;

// Start-up derivations wait for a slot: a refused one would stop the process from starting.
const START_UP = { wait: true } as const;

/**
 * What the start-up check did, for the log and the admin home page: `created-default` and
 * `default-password` mean `admin`/`admin` works right now.
 */
export type AdminAccountState =
  | 'created'
  | 'created-default'
  | 'reset'
  | 'unchanged'
  | 'default-password'
  | 'missing';

/**
 * Makes sure the panel can be entered (issue 6). With `ADMIN_PASSWORD` the `admin` superuser is
 * created with it, or reset to it (and made an active superuser again, its sessions revoked) when it
 * no longer matches: the variable is authoritative while set. Without it, an installation with no
 * staff at all gets `admin`/`admin` outside production, and none in production. Safe when several
 * processes start at once (the insert ignores a concurrent one).
 */
export async function ensureAdminAccount(
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
): Promise<AdminAccountState> {
  const { password } = deps.config.admin;
  const existing = await findStaffUserByUsername(deps.db, DEFAULT_ADMIN_USERNAME);
  if (password !== undefined) {
    if (!existing) {
      await insertStaffUserRow(deps.db, {
        username: DEFAULT_ADMIN_USERNAME,
        passwordHash: await hashPassword(password, START_UP),
        isSuperuser: true,
        isActive: true,
        defaultPassword: false,
      });
      deps.log.info('admin panel: created the superuser "admin" with the password from ADMIN_PASSWORD');
      return 'created';
    }
    const matches = (await verifyPassword(password, existing.passwordHash, START_UP)).ok;
    if (matches && existing.isSuperuser && existing.isActive && !existing.defaultPassword) return 'unchanged';
    await updateStaffUserRow(deps.db, existing.id, {
      ...(!matches && { passwordHash: await hashPassword(password, START_UP) }),
      isSuperuser: true,
      isActive: true,
      defaultPassword: false,
    });
    if (!matches) await deleteUserSessionRows(deps.db, existing.id);
    deps.log.warn('admin panel: the superuser "admin" was reset to the password from ADMIN_PASSWORD');
    return 'reset';
  }
  if (existing?.defaultPassword) {
    warnDefault(deps);
    return 'default-password';
  }
  if (existing || (await countStaffUsers(deps.db)) > 0) return 'unchanged';
  if (deps.config.env === 'production') {
    deps.log.error(
      'admin panel: there is no staff account and ADMIN_PASSWORD is unset; set ADMIN_PASSWORD and restart to create "admin"',
    );
    return 'missing';
  }
  defaultHash ??= hashPassword(DEFAULT_ADMIN_PASSWORD, START_UP);
  await insertStaffUserRow(deps.db, {
    username: DEFAULT_ADMIN_USERNAME,
    passwordHash: await defaultHash,
    isSuperuser: true,
    isActive: true,
    defaultPassword: true,
  });
  warnDefault(deps);
  return 'created-default';
}

function warnDefault(deps: Pick<Deps, 'log'>): void {
  deps.log.warn(
    '*** ADMIN PANEL: the superuser "admin" has the default password "admin". Anyone who can reach /admin can log in. Change it in the panel or set ADMIN_PASSWORD. ***',
  );
}

/**
 * The key the admin signs its cookies with: `ADMIN_SESSION_SECRET` when configured (always in
 * production), otherwise a random key generated once and kept in the database, so restarts and
 * every process on the same database keep accepting the same cookies.
 */
export async function resolveSessionSecret(deps: Pick<Deps, 'db' | 'config'>): Promise<string> {
  return (
    deps.config.admin.sessionSecret ??
    (await ensureSecretRow(deps.db, 'session-secret', randomBytes(32).toString('base64url')))
  );
}

/** True while `admin` still has the password `admin` (the home page warns about it). */
export async function defaultPasswordInUse(deps: Pick<Deps, 'db'>): Promise<boolean> {
  const admin = await findStaffUserByUsername(deps.db, DEFAULT_ADMIN_USERNAME);
  return admin?.defaultPassword === true;
}
