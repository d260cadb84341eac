import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** Canonical 8-4-4-4-12 hexadecimal UUID, any version, case-insensitive (spec §1.4). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = (description?: string) =>
  Type.String({
    format: 'uuid',
    ...(description ? { description } : {}),
    examples: ['0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11'],
  });

/** Largest integer a JSON client can send without losing precision. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Storage bound of dates and scores (int4). */
export const MAX_INT32 = 2_147_483_647;
/** Most elements one bulk body holds (spec §8 #39); a longer body is refused before validation. */
export const MAX_BULK = 10_000;
/** Cap on ad texts (spec §8 #35). */
export const MAX_TEXT = 10_000;

/**
 * Characters PostgreSQL `text` cannot store (NUL) or UTF-8 cannot encode (a surrogate without its
 * pair). JSON and form bodies can carry both; they are refused as validation errors (spec §8 #38)
 * instead of failing in the database.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The message of a string refused by `isStorableText` (spec §8 #38). */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/** Whether PostgreSQL can store the string as `text`: no NUL, no unpaired surrogate. */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

export const NonEmptyString = (options: { maxLength?: number; description?: string } = {}) =>
  Type.String({ minLength: 1, ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The error body of every non-2xx answer (spec §1.3). */
export const ErrorSchema = Type.Object(
  {
    detail: Type.Union([
      Type.String(),
      Type.Array(
        Type.Object({
          loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
          msg: Type.String(),
          type: Type.String(),
        }),
      ),
    ]),
    truncated: Type.Optional(
      Type.Boolean({
        description: 'Present (true) when more validation issues were found than the 100 listed.',
      }),
    ),
  },
  { $id: 'Error', description: 'Error: a message, or a list of validation issues naming the fields.' },
);

/** Lowercase canonical form: ids compare case-insensitively and are output in lowercase. */
export const normalizeId = (id: string): string => id.toLowerCase();

/**
 * Keeps the last occurrence of each key, in the order of last occurrences (spec §3.1:
 * `[A1, B1, A2]` → `[B1, A2]`).
 */
export function lastWins<T>(items: readonly T[], key: (item: T) => string): T[] {
  const lastIndex = new Map<string, number>();
  items.forEach((item, i) => {
    lastIndex.set(key(item), i);
  });
  return items.filter((item, i) => lastIndex.get(key(item)) === i);
}

/**
 * A `$ref` to a schema registered by its `$id` (so OpenAPI shows it as a named component),
 * typed as the schema itself.
 */
export function refTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (typeof schema.$id !== 'string') throw new Error('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}
