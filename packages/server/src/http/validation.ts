import { isStorableText, UUID_PATTERN } from '@adnova/core/shared/schema';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { MAX_ISSUES } from './errors.ts';
import { isMultipartBody } from './multipart.ts';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;

const base: Options = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  strict: false,
  // TypeBox adds `kind`-like keywords; let them through.
  keywords: ['kind', 'modifier'],
};

/**
 * Every string of every request (bodies, queries, the schemas registered by `$id`) must be
 * storable as PostgreSQL text: no NUL, no unpaired surrogate (spec §8 #38). The rule is added to
 * each string schema here, once, instead of to every field definition: a new field cannot forget it.
 */
function withStorableText(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withStorableText);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `enum`, `const`, `examples` and `default` hold data, not schemas.
    out[key] =
      key === 'enum' || key === 'const' || key === 'examples' || key === 'default'
        ? value
        : withStorableText(value);
  }
  const type = out.type;
  if (type === 'string' || (Array.isArray(type) && type.includes('string'))) out.storableText = true;
  return out;
}

function makeAjv(coerceTypes: Options['coerceTypes'], external: Record<string, unknown>): Ajv {
  // Bodies: a JSON number too large for a double (`1e400`) parses as Infinity; strictNumbers refuses
  // it like NaN (spec §1.2). Not with coercion: Ajv 8 then lets a coerced "Infinity" past `maximum`.
  const ajv = new Ajv({ ...base, coerceTypes, strictNumbers: coerceTypes === false });
  addFormats.default(ajv);
  // Canonical 8-4-4-4-12 only (spec §1.4); ajv-formats would also accept a `urn:uuid:` prefix.
  ajv.addFormat('uuid', new RegExp(UUID_PATTERN));
  ajv.addKeyword({
    keyword: 'storableText',
    type: 'string',
    schemaType: 'boolean',
    validate: (enabled: boolean, data: string) => !enabled || isStorableText(data),
  });
  for (const schema of Object.values(external)) ajv.addSchema(withStorableText(schema) as object);
  return ajv;
}

/** The validator Fastify calls: a boolean, with the failures in `errors` (Ajv's contract). */
type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Bounds the work and the answer of one validation (spec §8 #39): an array longer than its
 * `maxItems` is refused before any element is looked at, and at most `MAX_ISSUES` + 1 failures are
 * kept (the one extra tells the error handler the list was cut).
 */
function bounded(schema: { maxItems?: unknown }, validate: ValidateFunction): Validator {
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
  const check: Validator = (data) => {
    if (maxItems !== undefined && Array.isArray(data) && data.length > maxItems) {
      check.errors = [
        { instancePath: '', schemaPath: '#/maxItems', keyword: 'maxItems', params: { limit: maxItems } },
      ];
      return false;
    }
    const ok = validate(data);
    check.errors = ok ? null : (validate.errors ?? []).slice(0, MAX_ISSUES + 1);
    return ok;
  };
  return check;
}

/**
 * Bodies are validated with strict JSON types (spec §1.2: "5" is not an integer); path and
 * query parameters arrive as text, so they are coerced ("2" → 2) before validation. A multipart
 * body schema only documents the form: its handler reads and checks the parts (multipart.ts).
 */
function buildValidator(
  externalSchemas: Record<string, unknown> | undefined,
): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false, externalSchemas ?? {});
  const lenient = makeAjv('array', externalSchemas ?? {});
  return ({ schema, httpPart }) => {
    if (httpPart === 'body' && isMultipartBody(schema)) return () => true;
    const ajv = httpPart === 'body' ? strict : lenient;
    return bounded(schema as { maxItems?: unknown }, ajv.compile(withStorableText(schema) as object));
  };
}

export const schemaController = {
  compilersFactory: { buildValidator },
} as unknown as SchemaController;
