import { writeFile } from 'node:fs/promises';
import { API_SCHEMA_PATH, renderApiSchema } from './api-schema.ts';

/** `npm run generate:api -w @adnova/bot`: rewrites `schema.d.ts` from the server's OpenAPI document. */
await writeFile(API_SCHEMA_PATH, await renderApiSchema());
console.log(`wrote ${API_SCHEMA_PATH}`);
