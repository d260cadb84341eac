import { defineConfig } from 'drizzle-kit';

// Generates committed SQL migrations from src/db/schema.ts: `npm run db:generate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/core/src/db/schema.ts',
  out: './packages/core/migrations',
});
