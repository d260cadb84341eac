import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { API_SCHEMA_PATH, renderApiSchema } from './api-schema.ts';

test('the typed client matches the API: schema.d.ts is generated from the current OpenAPI document', async () => {
  const committed = await readFile(API_SCHEMA_PATH, 'utf8');
  const live = await renderApiSchema();
  assert.ok(
    committed === live,
    'packages/bot/src/api/schema.d.ts is out of date with the server routes: run `npm run generate:api -w @adnova/bot`',
  );
});
