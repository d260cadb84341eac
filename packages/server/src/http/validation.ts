import { UUID_PATTERN } from '@adnova/core/shared/schema';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
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

function makeAjv(coerceTypes: Options['coerceTypes'], external: Record<string, unknown>): Ajv {
  const ajv = new Ajv({ ...base, coerceTypes });
  addFormats.default(ajv);
  // Canonical 8-4-4-4-12 only (spec §1.4); ajv-formats would also accept a `urn:uuid:` prefix.
  ajv.addFormat('uuid', new RegExp(UUID_PATTERN));
  for (const schema of Object.values(external)) ajv.addSchema(schema as object);
  return ajv;
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
    return (httpPart === 'body' ? strict : lenient).compile(schema as object);
  };
}

export const schemaController = {
  compilersFactory: { buildValidator },
} as unknown as SchemaController;
