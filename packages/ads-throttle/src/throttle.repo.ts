/**
 * Runs one SQL statement with `$1…` parameters. node-postgres (`pool.query`) and PGlite (`db.query`) fit
 * as they are; for postgres.js pass `(text, params) => sql.unsafe(text, params)`, whose array result is
 * accepted too.
 */
export type QueryFn = (
  text: string,
  params?: unknown[],
) => Promise<{ rows: readonly unknown[] } | readonly unknown[]>;

/** The four throttle values (behaviour §3). */
export interface ThrottleValues {
  /** W, seconds. */
  windowSeconds: number;
  /** T, impressions. */
  threshold: number;
  /** B, seconds. */
  blockSeconds: number;
  /** E, seconds. */
  eventRecordSeconds: number;
}

/** The settings singleton row. */
export interface SettingsRecord extends ThrottleValues {
  updatedAt: Date;
}

/** Who an override applies to. */
export type OverrideTarget = 'user' | 'viewer' | 'ip' | 'all';

/** What an override forces. */
export type OverrideAction = 'show' | 'block';

/** A stored override rule. */
export interface OverrideRecord {
  id: string;
  /** `''` means site-wide. */
  scope: string;
  target: OverrideTarget;
  action: OverrideAction;
  /** Host user id for `user` rules, else `''`. */
  userId: string;
  /** Keyed hash of the viewer id (`user:<id>` or `session:<key>`), else `''`. */
  viewerIdHash: string;
  /** Display form of the viewer id: `user:<id>` verbatim, session keys redacted. */
  viewerLabel: string;
  /** Keyed hash of the canonical IP for `ip` rules, else `''`. */
  ipAddressHash: string;
  /** Id of the secret the hashes were made with. */
  hashKeyId: string;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The columns a caller writes for an override. */
export type OverrideRow = Omit<OverrideRecord, 'id' | 'createdAt' | 'updatedAt'>;

/** Why a decision was logged. */
export type EventReason = 'override' | 'threshold';

/** A row of the blocked-decision log. */
export interface EventRecord {
  id: string;
  scope: string;
  scopeHash: string;
  viewerHash: string;
  ipAddressHash: string;
  hashKeyId: string;
  reason: EventReason;
  firstSeen: Date;
  lastSeen: Date;
  /** Gated recordings (at most one per E seconds), not refused impressions. */
  count: number;
  blocked: boolean;
}

/** Input of `recordEventRow`. */
export interface EventWrite {
  scope: string;
  scopeHash: string;
  viewerHash: string;
  ipAddressHash: string;
  hashKeyId: string;
  reason: EventReason;
  blocked: boolean;
  at: Date;
}

/** A page of results with the total number of matches. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** Maximum stored scope length (behaviour §5). */
export const MAX_SCOPE_LENGTH = 512;

const SETTINGS_COLUMNS = `view_repeat_window_seconds, view_repeat_threshold, block_seconds, event_record_seconds, updated_at`;
const OVERRIDE_COLUMNS = `id::text AS id, scope, target, action, user_id, viewer_id_hash, viewer_label, ip_address_hash,
  hash_key_id, expires_at, created_at, updated_at`;
const EVENT_COLUMNS = `id::text AS id, scope, scope_hash, viewer_hash, ip_address_hash, hash_key_id, reason, first_seen,
  last_seen, count, blocked`;

type Row = Record<string, unknown>;

async function rowsOf(query: QueryFn, text: string, params: unknown[] = []): Promise<Row[]> {
  const result = await query(text, params);
  const rows = Array.isArray(result) ? result : (result as { rows: readonly unknown[] }).rows;
  return rows as Row[];
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function toSettings(row: Row): SettingsRecord {
  return {
    windowSeconds: Number(row.view_repeat_window_seconds),
    threshold: Number(row.view_repeat_threshold),
    blockSeconds: Number(row.block_seconds),
    eventRecordSeconds: Number(row.event_record_seconds),
    updatedAt: toDate(row.updated_at),
  };
}

function toOverride(row: Row): OverrideRecord {
  return {
    id: String(row.id),
    scope: String(row.scope),
    target: row.target as OverrideTarget,
    action: row.action as OverrideAction,
    userId: String(row.user_id),
    viewerIdHash: String(row.viewer_id_hash),
    viewerLabel: String(row.viewer_label),
    ipAddressHash: String(row.ip_address_hash),
    hashKeyId: String(row.hash_key_id),
    expiresAt: row.expires_at === null || row.expires_at === undefined ? null : toDate(row.expires_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function toEvent(row: Row): EventRecord {
  return {
    id: String(row.id),
    scope: String(row.scope),
    scopeHash: String(row.scope_hash),
    viewerHash: String(row.viewer_hash),
    ipAddressHash: String(row.ip_address_hash),
    hashKeyId: String(row.hash_key_id),
    reason: row.reason as EventReason,
    firstSeen: toDate(row.first_seen),
    lastSeen: toDate(row.last_seen),
    count: Number(row.count),
    blocked: row.blocked === true || row.blocked === 't',
  };
}

/** Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The settings row, or `undefined` when none exists. */
export async function findSettingsRow(query: QueryFn): Promise<SettingsRecord | undefined> {
  const rows = await rowsOf(query, `SELECT ${SETTINGS_COLUMNS} FROM ads_throttle_settings WHERE id = 1`);
  return rows[0] === undefined ? undefined : toSettings(rows[0]);
}

/** Inserts the singleton; `undefined` when a row already exists (the insert did nothing). */
export async function insertSettingsRow(
  query: QueryFn,
  values: ThrottleValues,
  at: Date,
): Promise<SettingsRecord | undefined> {
  const rows = await rowsOf(
    query,
    `INSERT INTO ads_throttle_settings (id, ${SETTINGS_COLUMNS}) VALUES (1, $1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING RETURNING ${SETTINGS_COLUMNS}`,
    [values.windowSeconds, values.threshold, values.blockSeconds, values.eventRecordSeconds, at],
  );
  return rows[0] === undefined ? undefined : toSettings(rows[0]);
}

/** Creates or replaces the singleton in one statement. */
export async function upsertSettingsRow(
  query: QueryFn,
  values: ThrottleValues,
  at: Date,
): Promise<SettingsRecord> {
  const rows = await rowsOf(
    query,
    `INSERT INTO ads_throttle_settings (id, ${SETTINGS_COLUMNS}) VALUES (1, $1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET view_repeat_window_seconds = excluded.view_repeat_window_seconds,
       view_repeat_threshold = excluded.view_repeat_threshold, block_seconds = excluded.block_seconds,
       event_record_seconds = excluded.event_record_seconds, updated_at = excluded.updated_at
     RETURNING ${SETTINGS_COLUMNS}`,
    [values.windowSeconds, values.threshold, values.blockSeconds, values.eventRecordSeconds, at],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('settings upsert returned no row');
  return toSettings(row);
}

/** Deletes the singleton; true when a row existed. */
export async function deleteSettingsRow(query: QueryFn): Promise<boolean> {
  const rows = await rowsOf(query, `DELETE FROM ads_throttle_settings WHERE id = 1 RETURNING id`);
  return rows.length > 0;
}

/** Rules that are active at `now` (no expiry, or expiry strictly later). */
export async function listActiveOverrideRows(query: QueryFn, now: Date): Promise<OverrideRecord[]> {
  const rows = await rowsOf(
    query,
    `SELECT ${OVERRIDE_COLUMNS} FROM ads_throttle_overrides WHERE expires_at IS NULL OR expires_at > $1`,
    [now],
  );
  return rows.map(toOverride);
}

/** One rule by id, or `undefined`. */
export async function findOverrideRow(query: QueryFn, id: string): Promise<OverrideRecord | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const rows = await rowsOf(query, `SELECT ${OVERRIDE_COLUMNS} FROM ads_throttle_overrides WHERE id = $1`, [
    id,
  ]);
  return rows[0] === undefined ? undefined : toOverride(rows[0]);
}

function overrideParams(row: OverrideRow): unknown[] {
  return [
    row.scope,
    row.target,
    row.action,
    row.userId,
    row.viewerIdHash,
    row.viewerLabel,
    row.ipAddressHash,
    row.hashKeyId,
    row.expiresAt,
  ];
}

/** Inserts a rule; `created_at` and `updated_at` are `at`. */
export async function insertOverrideRow(query: QueryFn, row: OverrideRow, at: Date): Promise<OverrideRecord> {
  const rows = await rowsOf(
    query,
    `INSERT INTO ads_throttle_overrides (scope, target, action, user_id, viewer_id_hash, viewer_label,
       ip_address_hash, hash_key_id, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ${OVERRIDE_COLUMNS}`,
    [...overrideParams(row), at],
  );
  const inserted = rows[0];
  if (inserted === undefined) throw new Error('override insert returned no row');
  return toOverride(inserted);
}

/** Replaces a rule's columns; `undefined` when the id does not exist. */
export async function updateOverrideRow(
  query: QueryFn,
  id: string,
  row: OverrideRow,
  at: Date,
): Promise<OverrideRecord | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const rows = await rowsOf(
    query,
    `UPDATE ads_throttle_overrides SET scope = $1, target = $2, action = $3, user_id = $4, viewer_id_hash = $5,
       viewer_label = $6, ip_address_hash = $7, hash_key_id = $8, expires_at = $9, updated_at = $10
     WHERE id = $11 RETURNING ${OVERRIDE_COLUMNS}`,
    [...overrideParams(row), at, id],
  );
  return rows[0] === undefined ? undefined : toOverride(rows[0]);
}

/** Deletes a rule; true when it existed. */
export async function deleteOverrideRow(query: QueryFn, id: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(id)) return false;
  const rows = await rowsOf(query, `DELETE FROM ads_throttle_overrides WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

/** Deletes every rule of a host user (call it when the user is deleted); returns how many. */
export async function deleteOverrideRowsForUser(query: QueryFn, userId: string): Promise<number> {
  const rows = await rowsOf(query, `DELETE FROM ads_throttle_overrides WHERE user_id = $1 RETURNING id`, [
    userId,
  ]);
  return rows.length;
}

/** Filters for `listOverrideRows`. */
export interface OverrideRowFilter {
  /** Substring of scope, user id, viewer label or IP hash. */
  search?: string;
  /** Exact hashes OR-ed into the search (the raw-IP and viewer-id look-ups). */
  searchHashes?: string[];
  action?: OverrideAction;
  target?: OverrideTarget;
  scope?: string;
  /** `active` or `expired` relative to `now`. */
  status?: 'active' | 'expired';
  now: Date;
  limit: number;
  offset: number;
}

/**
 * Collects WHERE fragments and their `$n` parameters. `search` adds one OR-group: a substring
 * match (ILIKE, escaped) on `likeColumns`, and an exact match of each keyed hash on `hashColumns`
 * (admins search by raw IP or viewer id; only their hashes are stored).
 */
function filterBuilder() {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const search = (
    text: string | undefined,
    likeColumns: readonly string[],
    hashes: readonly string[] | undefined,
    hashColumns: readonly string[],
  ): void => {
    if (text === undefined || text.trim() === '') return;
    const like = param(likePattern(text.trim()));
    const alternatives = likeColumns.map((column) => `${column} ILIKE ${like} ESCAPE '\\'`);
    for (const hash of hashes ?? []) {
      const p = param(hash);
      for (const column of hashColumns) alternatives.push(`${column} = ${p}`);
    }
    where.push(`(${alternatives.join(' OR ')})`);
  };
  return { where, params, param, search };
}

/** A page of rules, newest first. */
export async function listOverrideRows(
  query: QueryFn,
  filter: OverrideRowFilter,
): Promise<Page<OverrideRecord>> {
  const { where, params, param, search } = filterBuilder();
  search(filter.search, ['scope', 'user_id', 'viewer_label', 'ip_address_hash'], filter.searchHashes, [
    'ip_address_hash',
    'viewer_id_hash',
  ]);
  if (filter.action !== undefined) where.push(`action = ${param(filter.action)}`);
  if (filter.target !== undefined) where.push(`target = ${param(filter.target)}`);
  if (filter.scope !== undefined) where.push(`scope = ${param(filter.scope)}`);
  if (filter.status === 'active') where.push(`(expires_at IS NULL OR expires_at > ${param(filter.now)})`);
  if (filter.status === 'expired') where.push(`expires_at <= ${param(filter.now)}`);
  const page = await selectPage(
    query,
    'ads_throttle_overrides',
    OVERRIDE_COLUMNS,
    'created_at DESC, id DESC',
    {
      where,
      params,
      limit: filter.limit,
      offset: filter.offset,
    },
  );
  return { items: page.rows.map(toOverride), total: page.total };
}

/** Most rows one page of a management list holds. */
const MAX_PAGE_SIZE = 500;
/** Rows per page when the caller's limit is not a number. */
const DEFAULT_PAGE_SIZE = 50;

/**
 * A page's LIMIT and OFFSET as PostgreSQL takes them, whatever the caller passed: NaN, ±Infinity,
 * fractions and numbers past 2^53 reached SQL as `"NaN"` or `"1e+21"` and failed there.
 */
function pageBounds(limit: number, offset: number): { limit: number; offset: number } {
  const rows = Number.isNaN(limit)
    ? DEFAULT_PAGE_SIZE
    : Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(limit)));
  const skip = Number.isNaN(offset) ? 0 : Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.trunc(offset)));
  return { limit: rows, offset: skip };
}

/**
 * One page of a filtered list and the filter's total. `where` holds SQL fragments whose
 * placeholders ($1…) are already in `params`. A page past the end runs only the count: OFFSET
 * would otherwise walk every matching row to find nothing.
 */
async function selectPage(
  query: QueryFn,
  table: string,
  columns: string,
  orderBy: string,
  page: { where: string[]; params: unknown[]; limit: number; offset: number },
) {
  const whereSql = page.where.length === 0 ? '' : `WHERE ${page.where.join(' AND ')}`;
  const totalRows = await rowsOf(
    query,
    `SELECT count(*)::int AS total FROM ${table} ${whereSql}`,
    page.params,
  );
  const total = Number(totalRows[0]?.total ?? 0);
  const { limit, offset } = pageBounds(page.limit, page.offset);
  if (offset >= total) return { rows: [], total };
  const n = page.params.length;
  const rows = await rowsOf(
    query,
    `SELECT ${columns} FROM ${table} ${whereSql} ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...page.params, limit, offset],
  );
  return { rows, total };
}

/**
 * Upserts the event for (scope hash, viewer hash) in one statement (behaviour §4.9): count + 1, `blocked`
 * only ever turns on, the IP hash is filled only when empty, `first_seen` never changes.
 */
export async function recordEventRow(query: QueryFn, event: EventWrite): Promise<EventRecord> {
  const rows = await rowsOf(
    query,
    `INSERT INTO ads_throttle_events AS t (scope, scope_hash, viewer_hash, ip_address_hash, hash_key_id, reason,
       first_seen, last_seen, count, blocked)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1, $8)
     ON CONFLICT (scope_hash, viewer_hash) DO UPDATE SET
       last_seen = excluded.last_seen,
       count = t.count + 1,
       blocked = t.blocked OR excluded.blocked,
       reason = excluded.reason,
       ip_address_hash = CASE WHEN t.ip_address_hash = '' THEN excluded.ip_address_hash ELSE t.ip_address_hash END
     RETURNING ${EVENT_COLUMNS}`,
    [
      event.scope.slice(0, MAX_SCOPE_LENGTH),
      event.scopeHash,
      event.viewerHash,
      event.ipAddressHash,
      event.hashKeyId,
      event.reason,
      event.at,
      event.blocked,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('event upsert returned no row');
  return toEvent(row);
}

/** Filters for `listEventRows`. */
export interface EventRowFilter {
  scope?: string;
  blocked?: boolean;
  reason?: EventReason;
  /** Substring of scope, viewer hash or IP hash. */
  search?: string;
  /** Exact IP hashes OR-ed into the search (the raw-IP look-up). */
  searchHashes?: string[];
  /** `last_seen >= since`. */
  since?: Date;
  /** `last_seen < until`. */
  until?: Date;
  limit: number;
  offset: number;
}

/** A page of events, most recently seen first. */
export async function listEventRows(query: QueryFn, filter: EventRowFilter): Promise<Page<EventRecord>> {
  const { where, params, param, search } = filterBuilder();
  search(filter.search, ['scope', 'viewer_hash', 'ip_address_hash'], filter.searchHashes, [
    'ip_address_hash',
  ]);
  if (filter.scope !== undefined) where.push(`scope = ${param(filter.scope)}`);
  if (filter.blocked !== undefined) where.push(`blocked = ${param(filter.blocked)}`);
  if (filter.reason !== undefined) where.push(`reason = ${param(filter.reason)}`);
  if (filter.since !== undefined) where.push(`last_seen >= ${param(filter.since)}`);
  if (filter.until !== undefined) where.push(`last_seen < ${param(filter.until)}`);
  const page = await selectPage(query, 'ads_throttle_events', EVENT_COLUMNS, 'last_seen DESC, id DESC', {
    where,
    params,
    limit: filter.limit,
    offset: filter.offset,
  });
  return { items: page.rows.map(toEvent), total: page.total };
}

/** Deletes one event; true when it existed. */
export async function deleteEventRow(query: QueryFn, id: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(id)) return false;
  const rows = await rowsOf(query, `DELETE FROM ads_throttle_events WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

/** Deletes events last seen before `cutoff` (retention); returns how many. */
export async function deleteEventRowsBefore(query: QueryFn, cutoff: Date): Promise<number> {
  const rows = await rowsOf(
    query,
    `WITH gone AS (DELETE FROM ads_throttle_events WHERE last_seen < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [cutoff],
  );
  return Number(rows[0]?.n ?? 0);
}
