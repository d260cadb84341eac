import { readFileSync } from 'node:fs';

/** A schema migration the host applies inside its own migration runner. */
export interface AdsThrottleMigration {
  /** Stable id; record it in the host's migration table. */
  id: string;
  /** The whole script (several statements), identical to `sql/<id>.sql` in the package. */
  sql: string;
  /** The same script split into single statements, for runners that send one statement per call. */
  statements: string[];
}

// The package ships its SQL in sql/ (one level above both src/ and dist/), so the script text lives
// in exactly one place.
const schema001 = readFileSync(new URL('../sql/001_ads_throttle.sql', import.meta.url), 'utf8');

/**
 * Splits a script into statements. Good enough for this package's own SQL, which has no `;` inside
 * string literals or bodies.
 */
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/** Every migration of the package, oldest first. Apply the ones the host has not applied yet. */
export const adsThrottleMigrations: readonly AdsThrottleMigration[] = [
  { id: '001_ads_throttle', sql: schema001, statements: splitStatements(schema001) },
];

/** The tables the package owns, for hosts that list or truncate them. */
export const adsThrottleTables = [
  'ads_throttle_settings',
  'ads_throttle_overrides',
  'ads_throttle_events',
] as const;
