import { AppError, invalidField } from '@adnova/core/errors';
import type { MultipartFile } from '@fastify/multipart';
import { type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { errorCodes, type FastifyRequest } from 'fastify';

/**
 * Marks a body schema that only documents a `multipart/form-data` body: the handler streams the
 * parts itself, so Ajv must not validate `request.body` (validation.ts skips marked schemas). A
 * symbol, so the mark never shows in the OpenAPI document.
 */
const MULTIPART = Symbol.for('adnova.multipart-body');

/** An OpenAPI `multipart/form-data` body; pair it with `consumes: ['multipart/form-data']`. */
export function MultipartBody<P extends TProperties>(properties: P): TSchema {
  return Object.assign(Type.Object(properties), { [MULTIPART]: true });
}

/** A file part in OpenAPI (`string`, `binary`). */
export const FilePart = (description: string) => Type.String({ format: 'binary', description });

export function isMultipartBody(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && MULTIPART in schema;
}

/** The one expected file: at most `maxBytes` of it, `truncated` when it was longer. */
export type FilePartContent = { data: Buffer; truncated: boolean };

/** Ceilings for everything besides the expected file, so no request can make the parser work unboundedly. */
const LIMITS = { files: 5, fields: 20, fieldSize: 64 * 1024, parts: 30, headerPairs: 100 };

const drain = async (part: MultipartFile): Promise<void> => {
  for await (const _chunk of part.file) {
    // discarded: only the expected file is kept
  }
};

/**
 * Reads the single file part `field` of a multipart body, keeping at most `maxBytes` in memory
 * (the rest is read and dropped, flagged `truncated`, so the domain can answer its own size
 * message instead of a parser error). Other fields and files are ignored, like unknown JSON
 * properties (spec §1.2). A body declared larger than `bodyLimit` is refused before reading.
 * @throws AppError VALIDATION when the part is missing or repeated, or the body is not valid
 * multipart; Fastify's 413 for a declared length over `bodyLimit` or too many parts.
 */
export async function readFilePart(
  request: FastifyRequest,
  field: string,
  limits: { maxBytes: number; bodyLimit: number },
): Promise<FilePartContent> {
  const missing = () => invalidField(field, `${field} file is required.`, 'missing');
  if (!request.isMultipart()) throw missing();
  if (Number(request.headers['content-length']) > limits.bodyLimit) {
    throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  }
  let found: FilePartContent | undefined;
  let repeated = false;
  try {
    // Needs the parser registered with `throwFileSizeLimit: false`: an over-long file is cut, not an error.
    const parts = request.parts({ limits: { ...LIMITS, fileSize: limits.maxBytes } });
    // Every part is consumed, even after a problem is known, so the connection stays usable.
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      if (part.fieldname === field && !found) {
        const data = await part.toBuffer();
        found = { data, truncated: part.file.truncated };
      } else {
        repeated ||= part.fieldname === field;
        await drain(part);
      }
    }
  } catch (error) {
    // The parser's own limits keep their 413; anything else it throws is a malformed body
    // (no boundary, cut-off part, bad part headers), which is the client's error, not ours.
    if ((error as { statusCode?: unknown }).statusCode === 413) throw error;
    throw new AppError('VALIDATION', 'Malformed multipart/form-data body.');
  }
  if (repeated) throw invalidField(field, `Send exactly one ${field} file.`);
  if (!found) throw missing();
  return found;
}
