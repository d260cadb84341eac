import { sql } from 'drizzle-orm';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, type Issue, notFound } from '../errors.ts';
import { booleanFilter, type ListPage, type ListParams, listPage, mapRows } from './list-query.ts';
import { hashPassword, passwordProblems, verifyPassword } from './passwords.ts';
import { isPermission, type Permission } from './permissions.ts';
import {
  countOtherActiveSuperusers,
  deleteStaffUserRow,
  deleteUserSessionRows,
  existingGroupIds,
  findStaffUserRow,
  insertStaffUserRow,
  listUserGroupIds,
  listUserPermissionRows,
  replaceUserGroups,
  replaceUserPermissions,
  type StaffUserRow,
  updateStaffUserRow,
} from './staff.repo.ts';

export type Language = 'en' | 'ru';
export const LANGUAGES: readonly Language[] = ['en', 'ru'];

/** A staff account as the admin shows it (never with its password hash). */
export type StaffUser = {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
  isActive: boolean;
  language: Language | null;
  defaultPassword: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
};

export type StaffUserDetail = StaffUser & { groupIds: number[]; permissions: Permission[] };

export function toStaffUser(row: StaffUserRow): StaffUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    isSuperuser: row.isSuperuser,
    isActive: row.isActive,
    language: row.language === 'en' || row.language === 'ru' ? row.language : null,
    defaultPassword: row.defaultPassword,
    lastLoginAt: row.lastLoginAt,
    createdAt: row.createdAt,
  };
}

/** One or more field problems; `type` is a stable code the admin translates, `msg` English. */
export function fieldErrors(issues: { field: string; type: string; msg: string }[]): AppError {
  const list: Issue[] = issues.map((i) => ({ loc: ['body', i.field], msg: i.msg, type: i.type }));
  return new AppError('VALIDATION', issues[0]?.msg ?? 'Invalid input.', { issues: list });
}

const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u;
export const MAX_USERNAME_LENGTH = 150;
const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function usernameIssues(username: string): { field: string; type: string; msg: string }[] {
  if (username === '') return [{ field: 'username', type: 'required', msg: 'This field is required.' }];
  if (username.length > MAX_USERNAME_LENGTH || !USERNAME.test(username)) {
    return [
      {
        field: 'username',
        type: 'username_invalid',
        msg: 'Enter a valid username of at most 150 letters, digits and @ . + - _ characters.',
      },
    ];
  }
  return [];
}

function emailIssues(email: string): { field: string; type: string; msg: string }[] {
  if (email === '') return [];
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    return [{ field: 'email', type: 'email_invalid', msg: 'Enter a valid email address.' }];
  }
  return [];
}

const PASSWORD_MESSAGES = {
  password_too_short: 'This password is too short. It must contain at least 8 characters.',
  password_too_long: 'This password is too long.',
  password_numeric: 'This password is entirely numeric.',
  password_similar: 'The password is too similar to the username.',
} as const;

function passwordIssues(
  field: string,
  password: string,
  username: string,
): { field: string; type: string; msg: string }[] {
  return passwordProblems(password, username).map((type) => ({ field, type, msg: PASSWORD_MESSAGES[type] }));
}

const usernameTaken = () =>
  fieldErrors([
    { field: 'username', type: 'username_taken', msg: 'A user with that username already exists.' },
  ]);

export type CreateStaffUserInput = {
  username: string;
  password: string;
  email?: string;
  isSuperuser?: boolean;
  language?: Language | null;
};

/**
 * Adds a staff account (superusers do this in the admin).
 * @throws AppError VALIDATION for a bad or taken username, a bad email or a password that breaks a rule.
 */
export async function createStaffUser(
  deps: Pick<Deps, 'db'>,
  input: CreateStaffUserInput,
): Promise<StaffUser> {
  const username = input.username.trim();
  const email = (input.email ?? '').trim();
  const issues = [
    ...usernameIssues(username),
    ...emailIssues(email),
    ...passwordIssues('password', input.password, username),
  ];
  if (issues.length > 0) throw fieldErrors(issues);
  const row = await insertStaffUserRow(deps.db, {
    username,
    email,
    passwordHash: await hashPassword(input.password),
    isSuperuser: input.isSuperuser ?? false,
    isActive: true,
    language: input.language ?? null,
    defaultPassword: false,
  });
  if (!row) throw usernameTaken();
  return toStaffUser(row);
}

/** @throws AppError NOT_FOUND */
export async function getStaffUser(deps: Pick<Deps, 'db'>, id: number): Promise<StaffUserDetail> {
  const row = await findStaffUserRow(deps.db, id);
  if (!row) throw notFound();
  const [groupIds, permissions] = await Promise.all([
    listUserGroupIds(deps.db, id),
    listUserPermissionRows(deps.db, id),
  ]);
  return { ...toStaffUser(row), groupIds, permissions: permissions.filter(isPermission) };
}

export type UpdateStaffUserInput = {
  username: string;
  email: string;
  isActive: boolean;
  isSuperuser: boolean;
  language: Language | null;
  groupIds: number[];
  permissions: string[];
};

const lastSuperuser = () =>
  fieldErrors([
    {
      field: 'is_superuser',
      type: 'last_superuser',
      msg: 'At least one active superuser must remain.',
    },
  ]);

/**
 * Replaces a staff account's details, groups and permissions in one transaction. Deactivating an
 * account revokes its sessions. The last active superuser cannot lose that status.
 * @throws AppError NOT_FOUND; VALIDATION for a bad or taken username, a bad email, an unknown
 * permission or group, or removing the last active superuser.
 */
export async function updateStaffUser(
  deps: Pick<Deps, 'db'>,
  id: number,
  input: UpdateStaffUserInput,
): Promise<StaffUserDetail> {
  const username = input.username.trim();
  const email = input.email.trim();
  const issues = [...usernameIssues(username), ...emailIssues(email)];
  const unknown = input.permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    issues.push({ field: 'permissions', type: 'invalid_choice', msg: 'Select a valid permission.' });
  }
  if (issues.length > 0) throw fieldErrors(issues);
  await withTransaction(deps.db, async (tx) => {
    const current = await findStaffUserRow(tx, id);
    if (!current) throw notFound();
    const groupIds = [...new Set(input.groupIds)];
    if ((await existingGroupIds(tx, groupIds)).length !== groupIds.length) {
      throw fieldErrors([{ field: 'groups', type: 'invalid_choice', msg: 'Select a valid group.' }]);
    }
    const losesSuperuser = current.isSuperuser && current.isActive && (!input.isSuperuser || !input.isActive);
    if (losesSuperuser && (await countOtherActiveSuperusers(tx, id)) === 0) throw lastSuperuser();
    const updated = await updateStaffUserRow(tx, id, {
      username,
      email,
      isActive: input.isActive,
      isSuperuser: input.isSuperuser,
      language: input.language,
    });
    if (updated === 'conflict') throw usernameTaken();
    if (!updated) throw notFound();
    await replaceUserGroups(tx, id, groupIds);
    await replaceUserPermissions(tx, id, [...new Set(input.permissions)]);
    if (!input.isActive) await deleteUserSessionRows(tx, id);
  });
  return getStaffUser(deps, id);
}

/**
 * Sets a new password, clears the default-password mark and revokes the account's sessions except
 * `keepSessionId` (the one changing its own password stays logged in).
 * @throws AppError NOT_FOUND; VALIDATION when the password breaks a rule (field `password`).
 */
export async function setStaffPassword(
  deps: Pick<Deps, 'db'>,
  id: number,
  password: string,
  keepSessionId?: string,
): Promise<void> {
  const row = await findStaffUserRow(deps.db, id);
  if (!row) throw notFound();
  const issues = passwordIssues('password', password, row.username);
  if (issues.length > 0) throw fieldErrors(issues);
  const passwordHash = await hashPassword(password);
  await withTransaction(deps.db, async (tx) => {
    const updated = await updateStaffUserRow(tx, id, { passwordHash, defaultPassword: false });
    if (!updated || updated === 'conflict') throw notFound();
    await deleteUserSessionRows(tx, id, keepSessionId);
  });
}

/**
 * A user changes its own password, proving the old one first.
 * @throws AppError NOT_FOUND; VALIDATION `password_incorrect` on `old_password`, or a rule on `password`.
 */
export async function changeOwnPassword(
  deps: Pick<Deps, 'db'>,
  id: number,
  input: { oldPassword: string; password: string; sessionId: string },
): Promise<void> {
  const row = await findStaffUserRow(deps.db, id);
  if (!row) throw notFound();
  const check = await verifyPassword(input.oldPassword, row.passwordHash);
  if (!check.ok) {
    throw fieldErrors([
      {
        field: 'old_password',
        type: 'password_incorrect',
        msg: 'Your old password was entered incorrectly. Please enter it again.',
      },
    ]);
  }
  await setStaffPassword(deps, id, input.password, input.sessionId);
}

/** Stores the account's admin language (`null` = follow the browser). @throws AppError NOT_FOUND */
export async function setStaffLanguage(
  deps: Pick<Deps, 'db'>,
  id: number,
  language: Language | null,
): Promise<void> {
  const updated = await updateStaffUserRow(deps.db, id, { language });
  if (!updated || updated === 'conflict') throw notFound();
}

/**
 * Deletes a staff account with its sessions, groups and permissions. Nobody deletes their own
 * account (no lock-out by accident), and the last active superuser stays.
 * @throws AppError NOT_FOUND; VALIDATION `delete_self` or `last_superuser`.
 */
export async function deleteStaffUser(deps: Pick<Deps, 'db'>, actorId: number, id: number): Promise<void> {
  if (actorId === id) {
    throw fieldErrors([{ field: 'user', type: 'delete_self', msg: 'You cannot delete your own account.' }]);
  }
  await withTransaction(deps.db, async (tx) => {
    const row = await findStaffUserRow(tx, id);
    if (!row) throw notFound();
    if (row.isSuperuser && row.isActive && (await countOtherActiveSuperusers(tx, id)) === 0) {
      throw lastSuperuser();
    }
    await deleteStaffUserRow(tx, id);
  });
}

export type StaffUserListRow = StaffUser & { groups: string };

const userSelect = sql`u.id, u.username, u.email, u.is_superuser AS "isSuperuser", u.is_active AS "isActive",
  u.language, u.default_password AS "defaultPassword", u.last_login_at AS "lastLoginAt", u.created_at AS "createdAt",
  coalesce((SELECT string_agg(g.name, ', ' ORDER BY lower(g.name)) FROM staff_user_groups ug
              JOIN staff_groups g ON g.id = ug.group_id WHERE ug.user_id = u.id), '') AS groups`;

/** Staff accounts: search by username and email, filter by status flags and group. */
export async function listStaffUsers(
  deps: Pick<Deps, 'db'>,
  params: ListParams,
): Promise<ListPage<StaffUserListRow>> {
  const page = await listPage<
    StaffUserListRow & { lastLoginAt: Date | string | null; createdAt: Date | string }
  >(
    deps.db,
    {
      select: userSelect,
      from: sql`staff_users u`,
      sort: {
        username: sql`lower(u.username)`,
        email: sql`lower(u.email)`,
        superuser: sql`u.is_superuser`,
        active: sql`u.is_active`,
        last_login: sql`u.last_login_at`,
      },
      defaultSort: 'username',
      tieBreak: sql`u.id`,
      search: [sql`u.username`, sql`u.email`],
      filters: {
        superuser: booleanFilter(sql`u.is_superuser`),
        active: booleanFilter(sql`u.is_active`),
        group: (value) =>
          /^\d{1,15}$/.test(value)
            ? sql`EXISTS (SELECT 1 FROM staff_user_groups ug WHERE ug.user_id = u.id AND ug.group_id = ${Number(value)})`
            : undefined,
      },
    },
    params,
  );
  return mapRows(page, (r) => ({
    ...r,
    id: Number(r.id),
    lastLoginAt: r.lastLoginAt === null ? null : new Date(r.lastLoginAt),
    createdAt: new Date(r.createdAt),
  }));
}
