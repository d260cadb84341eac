import type { ListParams } from '@adnova/core/admin/list-query';
import { isStorableText } from '@adnova/core/shared/schema';
import { unstorableValue } from './forms.ts';
import type { ListQuery } from './views/widgets.ts';

/**
 * The list page's state from the query string: `q` search, `o` ordering, `p` page (a number, or
 * NaN so the list query answers a clear 400) and the named filters. Anything else is ignored.
 * @throws AppError VALIDATION (a 400 page naming the parameter) when a value it reads holds NUL or
 * an unpaired surrogate (spec §8 #38), before any of them reaches the database.
 */
export function readListQuery(
  query: unknown,
  filterNames: readonly string[],
): { params: ListParams; current: ListQuery } {
  const source = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  const current: ListQuery = {};
  const text = (name: string): string | undefined => {
    const value = source[name];
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (!values.every(isStorableText)) throw unstorableValue(name, 'query');
    return values[0];
  };
  for (const name of ['q', 'o', 'p', ...filterNames]) {
    const value = text(name);
    if (value !== undefined && value !== '') current[name] = value;
  }
  const filters: Record<string, string> = {};
  for (const name of filterNames) {
    const value = current[name];
    if (value !== undefined) filters[name] = value;
  }
  const page = current.p;
  return {
    params: {
      search: current.q,
      sort: current.o,
      page: page === undefined ? 1 : /^\d{1,9}$/.test(page) ? Number(page) : Number.NaN,
      filters,
    },
    current,
  };
}
