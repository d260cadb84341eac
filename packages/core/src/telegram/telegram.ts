import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { findAdvertiserRow } from '../advertisers/advertisers.repo.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { normalizeId } from '../shared/schema.ts';
import {
  deleteExpiredLinkCodeRows,
  deleteTelegramLinkRow,
  findLinkCodeRow,
  findTelegramLinkRow,
  insertLinkCodeRow,
  spendLinkCodeRow,
  type TelegramLinkRow,
  upsertTelegramLinkRow,
} from './telegram.repo.ts';
import type { CreateTelegramLinkInput, LinkCode, TelegramLink } from './telegram.schema.ts';

/** How long a link code stays valid: long enough to switch apps and type it, short enough to leak little. */
export const LINK_CODE_TTL_MS = 15 * 60 * 1000;

/**
 * Crockford's base32: no I, L, O or U, so a code read aloud or typed from a screen is unambiguous.
 * 32 symbols, so one random byte masked to 5 bits is uniform.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 10 symbols = 50 bits: out of reach of guessing within a code's 15 minutes. */
const CODE_LENGTH = 10;

function drawCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return code;
}

/** `K3M9Q7TBXA` → `K3M9Q-7TBXA`, easier to copy by eye. */
const displayCode = (code: string): string => `${code.slice(0, 5)}-${code.slice(5)}`;

/**
 * The canonical form of a typed code (upper case, without spaces and dashes, O as 0, I and L as 1),
 * or undefined when it cannot be a code at all.
 */
export function normalizeLinkCode(raw: string): string | undefined {
  const code = raw
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== CODE_LENGTH) return undefined;
  for (const ch of code) if (!ALPHABET.includes(ch)) return undefined;
  return code;
}

const hashCode = (code: string): string => createHash('sha256').update(code).digest('hex');

const unknownCode = (): AppError => new AppError('NOT_FOUND', 'Unknown or expired link code.');

function toTelegramLink(row: TelegramLinkRow): TelegramLink {
  return {
    telegram_user_id: row.telegramUserId,
    advertiser_id: row.advertiserId,
    advertiser_name: row.advertiserName,
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * Issues a one-time code that binds a Telegram account to the advertiser (API and admin panel).
 * Expired codes of every advertiser are swept on the way, so the table stays small.
 * @throws AppError NOT_FOUND for an unknown advertiser.
 */
export async function createLinkCode(
  deps: Pick<Deps, 'db' | 'clock'>,
  advertiserId: string,
): Promise<LinkCode> {
  const owner = normalizeId(advertiserId);
  if (!(await findAdvertiserRow(deps.db, owner))) throw notFound();
  const now = new Date(deps.clock.now());
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await deleteExpiredLinkCodeRows(deps.db, now);
  // A collision among live codes is a 2^-50 event; drawing again is the whole remedy.
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = drawCode();
    if (await insertLinkCodeRow(deps.db, { codeHash: hashCode(code), advertiserId: owner, expiresAt })) {
      return { code: displayCode(code), expires_at: expiresAt.toISOString() };
    }
  }
  throw new Error('could not draw an unused link code');
}

/**
 * Spends a link code on a Telegram account: the account then acts for the code's advertiser
 * (an earlier binding of that account is replaced). Spending and binding commit together.
 * @throws AppError NOT_FOUND when the code is malformed, unknown or expired; CONFLICT when it was
 * already used.
 */
export async function linkTelegramAccount(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: CreateTelegramLinkInput,
): Promise<TelegramLink> {
  const code = normalizeLinkCode(input.code);
  if (code === undefined) throw unknownCode();
  const codeHash = hashCode(code);
  const now = new Date(deps.clock.now());
  const row = await withTransaction(deps.db, async (tx) => {
    const advertiserId = await spendLinkCodeRow(tx, codeHash, now, input.telegram_user_id);
    if (advertiserId === undefined) {
      const existing = await findLinkCodeRow(tx, codeHash);
      if (existing?.usedAt) throw new AppError('CONFLICT', 'This link code has already been used.');
      throw unknownCode();
    }
    await upsertTelegramLinkRow(tx, input.telegram_user_id, advertiserId);
    return findTelegramLinkRow(tx, input.telegram_user_id);
  });
  if (!row) throw new Error('the new Telegram link was not found');
  return toTelegramLink(row);
}

/** @throws AppError NOT_FOUND when the account is not bound to an advertiser. */
export async function getTelegramLink(deps: Pick<Deps, 'db'>, telegramUserId: number): Promise<TelegramLink> {
  const row = await findTelegramLinkRow(deps.db, telegramUserId);
  if (!row) throw notFound();
  return toTelegramLink(row);
}

/** Unbinds the account (the bot's `/logout`). @throws AppError NOT_FOUND when it was not bound. */
export async function deleteTelegramLink(deps: Pick<Deps, 'db'>, telegramUserId: number): Promise<void> {
  if (!(await deleteTelegramLinkRow(deps.db, telegramUserId))) throw notFound();
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Admits a caller of the bot-only endpoints: `given` must equal the shared `BOT_API_TOKEN`
 * (compared in constant time). With no token configured, the endpoints refuse everyone.
 * @throws AppError UNAUTHORIZED when the token is missing, wrong, or not configured on the API.
 */
export function checkBotToken(expected: string | undefined, given: string | undefined): void {
  if (expected === undefined || expected === '') {
    throw new AppError(
      'UNAUTHORIZED',
      'Telegram bot endpoints are disabled: set BOT_API_TOKEN on the API and on the bot.',
    );
  }
  if (given === undefined || !timingSafeEqual(digest(given), digest(expected))) {
    throw new AppError('UNAUTHORIZED', 'Unauthorized: send the shared BOT_API_TOKEN in X-Bot-Token.');
  }
}
