import { type SQL, sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import { AppError } from '../errors.ts';

/**
 * How one admin list reads its table: what to select from where, which columns sort, which text
 * a search looks in, and which filters exist. Filters turn a query-string value into a predicate,
 * or `undefined` when the value is not one they accept.
 */
export type ListSpec = {
  /** Select list (expressions with aliases). */
  select: SQL;
  /** FROM clause, joins included. */
  from: SQL;
  /** Predicates every row must meet (e.g. the advertiser a stats page is about). */
  where?: SQL[];
  /** Sortable columns by their public key (`?o=key` ascending, `?o=-key` descending). */
  sort: Record<string, SQL>;
  /** The ordering when none is asked for, in the same syntax. */
  defaultSort: string;
  /** Appended to every ordering, so pages never overlap or skip rows. */
  tieBreak: SQL;
  /** Text expressions a search looks in: each whitespace-separated term must match one of them. */
  search: SQL[];
  filters: Record<string, (value: string) => SQL | undefined>;
};

/** What the list page asks for; all of it comes from the query string. */
export type ListParams = {
  /** 1-based; a page past the end shows the last one. */
  page?: number;
  perPage?: number;
  /** `key` or `-key`. */
  sort?: string;
  search?: string;
  filters?: Record<string, string>;
};

export type ListPage<T> = {
  rows: T[];
  total: number;
  page: number;
  pages: number;
  perPage: number;
  /** The ordering applied, `key` or `-key`. */
  sort: string;
};

/** Rows per page unless asked otherwise (Django admin's `list_per_page`). */
export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 500;
/** Longest search accepted, characters. */
export const MAX_SEARCH_LENGTH = 200;
/**
 * Most different words one search holds. Every word is an ILIKE on every searched column of every
 * row (ad texts hold 10,000 characters), so 100 one-letter words that all match made a search
 * cost a hundred full scans.
 */
export const MAX_SEARCH_TERMS = 10;

const invalid = (field: string, msg: string, type: string) =>
  new AppError('VALIDATION', msg, { issues: [{ loc: ['query', field], msg, type }] });

/** Escapes `%`, `_` and `\` for `ILIKE … ESCAPE '\'`. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The different words of a search, case-insensitively (a repeated word matches the same rows).
 * @throws AppError VALIDATION for more than `MAX_SEARCH_TERMS` of them.
 */
export function searchTerms(search: string): string[] {
  const terms = new Map<string, string>();
  for (const term of search.split(/\s+/)) if (term !== '') terms.set(term.toLowerCase(), term);
  if (terms.size > MAX_SEARCH_TERMS) {
    throw invalid('q', `The search must hold at most ${MAX_SEARCH_TERMS} different words.`, 'search');
  }
  return [...terms.values()];
}

/** The predicate of a search: every term must appear (case-insensitively) in some searched column. */
function searchPredicate(columns: readonly SQL[], search: string): SQL | undefined {
  const terms = searchTerms(search);
  if (terms.length === 0 || columns.length === 0) return undefined;
  const perTerm = terms.map((term) => {
    const pattern = likePattern(term);
    return sql`(${sql.join(
      columns.map((column) => sql`${column} ILIKE ${pattern} ESCAPE '\\'`),
      sql` OR `,
    )})`;
  });
  return sql.join(perTerm, sql` AND `);
}

/** `key`/`-key` → the ORDER BY expression, or undefined for an unknown key. */
function ordering(spec: ListSpec, sort: string): SQL | undefined {
  const descending = sort.startsWith('-');
  const key = descending ? sort.slice(1) : sort;
  const column = Object.hasOwn(spec.sort, key) ? spec.sort[key] : undefined;
  if (column === undefined) return undefined;
  return descending ? sql`${column} DESC NULLS LAST` : sql`${column} ASC NULLS FIRST`;
}

/**
 * One page of a filtered, searched and sorted list, with the total. Query-string input is checked
 * here, so a hand-edited URL gets a clear 400 rather than an error from the database.
 * @throws AppError VALIDATION for an unknown sort key or filter value, a bad page number or a
 * search longer than `MAX_SEARCH_LENGTH` or of more than `MAX_SEARCH_TERMS` words.
 */
export async function listPage<T>(db: Db, spec: ListSpec, params: ListParams): Promise<ListPage<T>> {
  const perPage = params.perPage ?? DEFAULT_PER_PAGE;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw invalid('per_page', `per_page must be an integer in 1..${MAX_PER_PAGE}.`, 'per_page');
  }
  const requested = params.page ?? 1;
  if (!Number.isInteger(requested) || requested < 1) {
    throw invalid('p', 'The page number must be a positive integer.', 'page');
  }
  const sort = params.sort === undefined || params.sort === '' ? spec.defaultSort : params.sort;
  const order = ordering(spec, sort);
  if (order === undefined) throw invalid('o', 'Unknown sort field.', 'sort');

  const where: SQL[] = [...(spec.where ?? [])];
  const search = params.search?.trim() ?? '';
  if (search.length > MAX_SEARCH_LENGTH) {
    throw invalid('q', `The search must be at most ${MAX_SEARCH_LENGTH} characters long.`, 'search');
  }
  const searched = searchPredicate(spec.search, search);
  if (searched) where.push(searched);
  for (const [name, value] of Object.entries(params.filters ?? {})) {
    const filter = Object.hasOwn(spec.filters, name) ? spec.filters[name] : undefined;
    const predicate = filter?.(value);
    if (predicate === undefined) throw invalid(name, 'Invalid filter value.', 'filter');
    where.push(predicate);
  }
  const whereSql = where.length > 0 ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;

  const [counted] = await rows<{ n: number | string }>(
    db,
    sql`SELECT count(*)::int8 AS n FROM ${spec.from} ${whereSql}`,
  );
  const total = Number(counted?.n ?? 0);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const page = Math.min(requested, pages);
  const found =
    total === 0
      ? []
      : await rows<T>(
          db,
          sql`SELECT ${spec.select} FROM ${spec.from} ${whereSql}
              ORDER BY ${order}, ${spec.tieBreak}
              LIMIT ${perPage} OFFSET ${(page - 1) * perPage}`,
        );
  return { rows: found, total, page, pages, perPage, sort };
}

/** One row of a list, with the columns the list shows, for the record's own page. */
export async function findListRow<T>(db: Db, spec: ListSpec, where: SQL): Promise<T | undefined> {
  const [row] = await rows<T>(db, sql`SELECT ${spec.select} FROM ${spec.from} WHERE ${where}`);
  return row;
}

/** The same page with each row converted (numbers read as text, timestamps as strings…). */
export function mapRows<T, U>(page: ListPage<T>, convert: (row: T) => U): ListPage<U> {
  return { ...page, rows: page.rows.map(convert) };
}

/** A filter accepting only the listed values. */
export function choiceFilter(choices: Record<string, SQL>): (value: string) => SQL | undefined {
  return (value) => (Object.hasOwn(choices, value) ? choices[value] : undefined);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A filter on a UUID column; anything but a UUID is refused. */
export function uuidFilter(column: SQL): (value: string) => SQL | undefined {
  return (value) => (UUID.test(value) ? sql`${column} = ${value.toLowerCase()}::uuid` : undefined);
}

/** Yes/no on a boolean column, plus `unknown` for NULL when the column is nullable. */
export function booleanFilter(column: SQL, nullable = false): (value: string) => SQL | undefined {
  return choiceFilter({
    yes: sql`${column} IS TRUE`,
    no: sql`${column} IS FALSE`,
    ...(nullable && { unknown: sql`${column} IS NULL` }),
  });
}

/** True for a canonical UUID (any case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
