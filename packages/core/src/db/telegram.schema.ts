import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { advertisers } from './schema.ts';

/**
 * One-time codes an advertiser sends to the Telegram bot to bind an account (issue 7). Only the
 * SHA-256 of the normalised code is stored, so a database dump reveals no usable code. A code is
 * good until `expires_at` and only once: `used_at` is set by the conditional update that binds.
 */
export const advertiserLinkCodes = pgTable(
  'advertiser_link_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    advertiserId: uuid('advertiser_id')
      .notNull()
      .references(() => advertisers.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** The Telegram account the code was spent on (audit). */
    usedByTelegramUserId: bigint('used_by_telegram_user_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('advertiser_link_codes_advertiser_idx').on(t.advertiserId),
    index('advertiser_link_codes_expires_idx').on(t.expiresAt),
  ],
);

/** Which advertiser a Telegram account acts for: one advertiser per account, several accounts per advertiser. */
export const telegramLinks = pgTable(
  'telegram_links',
  {
    telegramUserId: bigint('telegram_user_id', { mode: 'number' }).primaryKey(),
    advertiserId: uuid('advertiser_id')
      .notNull()
      .references(() => advertisers.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('telegram_links_advertiser_idx').on(t.advertiserId),
    check('telegram_links_user_id_positive', sql`${t.telegramUserId} > 0`),
  ],
);
