import { and, asc, eq, gt, inArray, lte, ne, sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import {
  adminSecrets,
  staffGroupPermissions,
  staffGroups,
  staffSessions,
  staffUserGroups,
  staffUserPermissions,
  staffUsers,
} from '../db/schema.ts';

export type StaffUserRow = typeof staffUsers.$inferSelect;
export type StaffUserValues = Omit<typeof staffUsers.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
export type StaffGroupRow = typeof staffGroups.$inferSelect;

/** PostgreSQL's unique_violation, through Drizzle's wrapper when there is one. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (e: unknown) => (e as { code?: unknown } | undefined)?.code;
  return code(error) === '23505' || code((error as { cause?: unknown } | undefined)?.cause) === '23505';
}

/** Inserts a user; undefined when the username (case-insensitively) is taken. */
export async function insertStaffUserRow(db: Db, values: StaffUserValues): Promise<StaffUserRow | undefined> {
  const [row] = await db.insert(staffUsers).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findStaffUserRow(db: Db, id: number): Promise<StaffUserRow | undefined> {
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id)).limit(1);
  return row;
}

export async function findStaffUserByUsername(db: Db, username: string): Promise<StaffUserRow | undefined> {
  const [row] = await db
    .select()
    .from(staffUsers)
    .where(sql`lower(${staffUsers.username}) = lower(${username})`)
    .limit(1);
  return row;
}

/** Updates a user; undefined when it does not exist, `'conflict'` when the new username is taken. */
export async function updateStaffUserRow(
  db: Db,
  id: number,
  values: Partial<StaffUserValues>,
): Promise<StaffUserRow | 'conflict' | undefined> {
  try {
    const [row] = await db
      .update(staffUsers)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(staffUsers.id, id))
      .returning();
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) return 'conflict';
    throw error;
  }
}

export async function deleteStaffUserRow(db: Db, id: number): Promise<boolean> {
  const deleted = await db.delete(staffUsers).where(eq(staffUsers.id, id)).returning({ id: staffUsers.id });
  return deleted.length > 0;
}

export async function countStaffUsers(db: Db): Promise<number> {
  const [row] = await rows<{ n: number | string }>(db, sql`SELECT count(*)::int8 AS n FROM staff_users`);
  return Number(row?.n ?? 0);
}

/** Active superusers other than `exceptId`. */
export async function countOtherActiveSuperusers(db: Db, exceptId: number): Promise<number> {
  const [row] = await rows<{ n: number | string }>(
    db,
    sql`SELECT count(*)::int8 AS n FROM staff_users
        WHERE is_superuser AND is_active AND id <> ${exceptId}`,
  );
  return Number(row?.n ?? 0);
}

export async function listUserGroupIds(db: Db, userId: number): Promise<number[]> {
  const found = await db
    .select({ id: staffUserGroups.groupId })
    .from(staffUserGroups)
    .where(eq(staffUserGroups.userId, userId));
  return found.map((r) => r.id);
}

export async function replaceUserGroups(db: Db, userId: number, groupIds: readonly number[]): Promise<void> {
  await db.delete(staffUserGroups).where(eq(staffUserGroups.userId, userId));
  if (groupIds.length > 0) {
    await db
      .insert(staffUserGroups)
      .values(groupIds.map((groupId) => ({ userId, groupId })))
      .onConflictDoNothing();
  }
}

export async function listUserPermissionRows(db: Db, userId: number): Promise<string[]> {
  const found = await db
    .select({ permission: staffUserPermissions.permission })
    .from(staffUserPermissions)
    .where(eq(staffUserPermissions.userId, userId));
  return found.map((r) => r.permission);
}

export async function replaceUserPermissions(
  db: Db,
  userId: number,
  permissions: readonly string[],
): Promise<void> {
  await db.delete(staffUserPermissions).where(eq(staffUserPermissions.userId, userId));
  if (permissions.length > 0) {
    await db
      .insert(staffUserPermissions)
      .values(permissions.map((permission) => ({ userId, permission })))
      .onConflictDoNothing();
  }
}

/** The user's own permissions and those of its groups, in one query. */
export async function effectivePermissionRows(db: Db, userId: number): Promise<string[]> {
  const found = await rows<{ permission: string }>(
    db,
    sql`SELECT permission FROM staff_user_permissions WHERE user_id = ${userId}
        UNION
        SELECT gp.permission FROM staff_group_permissions gp
          JOIN staff_user_groups ug ON ug.group_id = gp.group_id
         WHERE ug.user_id = ${userId}`,
  );
  return found.map((r) => r.permission);
}

export async function insertGroupRow(db: Db, name: string): Promise<StaffGroupRow | undefined> {
  const [row] = await db.insert(staffGroups).values({ name }).onConflictDoNothing().returning();
  return row;
}

export async function findGroupRow(db: Db, id: number): Promise<StaffGroupRow | undefined> {
  const [row] = await db.select().from(staffGroups).where(eq(staffGroups.id, id)).limit(1);
  return row;
}

/** Renames a group; undefined when it does not exist, `'conflict'` when the name is taken. */
export async function renameGroupRow(
  db: Db,
  id: number,
  name: string,
): Promise<StaffGroupRow | 'conflict' | undefined> {
  try {
    const [row] = await db.update(staffGroups).set({ name }).where(eq(staffGroups.id, id)).returning();
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) return 'conflict';
    throw error;
  }
}

export async function deleteGroupRow(db: Db, id: number): Promise<boolean> {
  const deleted = await db
    .delete(staffGroups)
    .where(eq(staffGroups.id, id))
    .returning({ id: staffGroups.id });
  return deleted.length > 0;
}

/** Every group, by name (for the user form's choices). */
export async function listAllGroupRows(db: Db): Promise<StaffGroupRow[]> {
  return db
    .select()
    .from(staffGroups)
    .orderBy(asc(sql`lower(${staffGroups.name})`), asc(staffGroups.id));
}

/** The ids among `ids` that name existing groups. */
export async function existingGroupIds(db: Db, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const found = await db
    .select({ id: staffGroups.id })
    .from(staffGroups)
    .where(inArray(staffGroups.id, [...ids]));
  return found.map((r) => r.id);
}

export async function listGroupPermissionRows(db: Db, groupId: number): Promise<string[]> {
  const found = await db
    .select({ permission: staffGroupPermissions.permission })
    .from(staffGroupPermissions)
    .where(eq(staffGroupPermissions.groupId, groupId));
  return found.map((r) => r.permission);
}

export async function replaceGroupPermissions(
  db: Db,
  groupId: number,
  permissions: readonly string[],
): Promise<void> {
  await db.delete(staffGroupPermissions).where(eq(staffGroupPermissions.groupId, groupId));
  if (permissions.length > 0) {
    await db
      .insert(staffGroupPermissions)
      .values(permissions.map((permission) => ({ groupId, permission })))
      .onConflictDoNothing();
  }
}

export async function insertSessionRow(
  db: Db,
  session: { id: string; userId: number; expiresAt: Date },
): Promise<void> {
  await db.insert(staffSessions).values(session);
}

/** A live session (not expired at `now`) of an active user, with that user. */
export async function findLiveSessionRow(
  db: Db,
  id: string,
  now: Date,
): Promise<{ sessionId: string; expiresAt: Date; user: StaffUserRow } | undefined> {
  const [row] = await db
    .select({ sessionId: staffSessions.id, expiresAt: staffSessions.expiresAt, user: staffUsers })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
    .where(and(eq(staffSessions.id, id), gt(staffSessions.expiresAt, now), eq(staffUsers.isActive, true)))
    .limit(1);
  return row;
}

export async function deleteSessionRow(db: Db, id: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.id, id));
}

/** Revokes every session of the user, except `keepId` when given. */
export async function deleteUserSessionRows(db: Db, userId: number, keepId?: string): Promise<void> {
  await db
    .delete(staffSessions)
    .where(
      keepId === undefined
        ? eq(staffSessions.userId, userId)
        : and(eq(staffSessions.userId, userId), ne(staffSessions.id, keepId)),
    );
}

export async function deleteExpiredSessionRows(db: Db, now: Date): Promise<void> {
  await db.delete(staffSessions).where(lte(staffSessions.expiresAt, now));
}

/** The stored secret `name`, storing `candidate` first if there is none (the first writer wins). */
export async function ensureSecretRow(db: Db, name: string, candidate: string): Promise<string> {
  await db.insert(adminSecrets).values({ name, value: candidate }).onConflictDoNothing();
  const [row] = await db.select().from(adminSecrets).where(eq(adminSecrets.name, name)).limit(1);
  if (!row) throw new Error(`admin secret ${name} could not be stored`);
  return row.value;
}
