import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Staff of the admin panel (issue 6, spec api.md §7.4): moderators and administrators. Usernames
 * are unique case-insensitively. `password_hash` is a self-describing scrypt string
 * (`admin/passwords.ts`). `default_password` marks the embedded-mode `admin`/`admin` account until
 * its password is changed, so the panel can warn about it without re-hashing on every page.
 */
export const staffUsers = pgTable(
  'staff_users',
  {
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
    username: text('username').notNull(),
    email: text('email').notNull().default(''),
    passwordHash: text('password_hash').notNull(),
    isSuperuser: boolean('is_superuser').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    /** Preferred admin language; null follows the browser's Accept-Language. */
    language: text('language'),
    defaultPassword: boolean('default_password').notNull().default(false),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('staff_users_username_uq').on(sql`lower(${t.username})`),
    check('staff_users_language', sql`${t.language} IS NULL OR ${t.language} IN ('en', 'ru')`),
  ],
);

/** Named sets of permissions; a user has the union of its own and its groups' permissions. */
export const staffGroups = pgTable(
  'staff_groups',
  {
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity().primaryKey(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('staff_groups_name_uq').on(sql`lower(${t.name})`)],
);

export const staffUserGroups = pgTable(
  'staff_user_groups',
  {
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    groupId: bigint('group_id', { mode: 'number' })
      .notNull()
      .references(() => staffGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupId] }), index('staff_user_groups_group_idx').on(t.groupId)],
);

/** Permission codenames are `<resource>.<action>`, e.g. `report.change` (admin/permissions.ts). */
export const staffUserPermissions = pgTable(
  'staff_user_permissions',
  {
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.permission] })],
);

export const staffGroupPermissions = pgTable(
  'staff_group_permissions',
  {
    groupId: bigint('group_id', { mode: 'number' })
      .notNull()
      .references(() => staffGroups.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.permission] })],
);

/**
 * Server-side admin sessions. The id is the SHA-256 of the random token the browser holds in a
 * signed cookie, so a database dump yields no usable session. Deleting rows revokes sessions
 * (logout, password change, deactivation).
 */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: text('id').primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('staff_sessions_user_idx').on(t.userId), index('staff_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * Secrets the admin generates for itself when the configuration gives none (the cookie-signing
 * key outside production). The first process to start inserts one; every other process on the
 * same database reads the same value.
 */
export const adminSecrets = pgTable('admin_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
