import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { MlScore } from '../ml-scores/ml-scores.schema.ts';

/**
 * Upserts one score if both parties exist, in one statement (no window for a concurrent
 * deletion between the check and the write). Returns false when either is missing.
 */
export async function upsertMlScoreRow(db: Db, score: MlScore): Promise<boolean> {
  const result = await rows<{ score: number }>(
    db,
    sql`INSERT INTO ml_scores (client_id, advertiser_id, score)
        SELECT ${score.client_id}::uuid, ${score.advertiser_id}::uuid, ${score.score}
         WHERE EXISTS (SELECT 1 FROM clients WHERE id = ${score.client_id}::uuid)
           AND EXISTS (SELECT 1 FROM advertisers WHERE id = ${score.advertiser_id}::uuid)
        ON CONFLICT (client_id, advertiser_id) DO UPDATE SET score = excluded.score
        RETURNING score`,
  );
  return result.length > 0;
}

/** Deletes one score; false when the pair had none. */
export async function deleteMlScoreRow(db: Db, clientId: string, advertiserId: string): Promise<boolean> {
  const deleted = await rows(
    db,
    sql`DELETE FROM ml_scores WHERE client_id = ${clientId}::uuid AND advertiser_id = ${advertiserId}::uuid
        RETURNING score`,
  );
  return deleted.length > 0;
}

/** Bulk load for the demo and benchmark loaders: pairs must exist. */
export async function upsertMlScoreRows(db: Db, scores: readonly MlScore[]): Promise<void> {
  const CHUNK = 10_000;
  for (let i = 0; i < scores.length; i += CHUNK) {
    const chunk = scores.slice(i, i + CHUNK);
    await db.execute(
      sql`INSERT INTO ml_scores (client_id, advertiser_id, score)
          SELECT * FROM unnest(${sql.param(chunk.map((s) => s.client_id))}::uuid[],
                               ${sql.param(chunk.map((s) => s.advertiser_id))}::uuid[],
                               ${sql.param(chunk.map((s) => s.score))}::int[])
          ON CONFLICT (client_id, advertiser_id) DO UPDATE SET score = excluded.score`,
    );
  }
}
