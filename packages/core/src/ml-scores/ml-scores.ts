import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { normalizeId } from '../shared/schema.ts';
import { deleteMlScoreRow, upsertMlScoreRow } from './ml-scores.repo.ts';
import type { MlScore } from './ml-scores.schema.ts';

/**
 * Sets the relevance of an advertiser for a client (spec §3.5); takes effect for the next ad.
 * @throws AppError NOT_FOUND when the client or the advertiser does not exist.
 */
export async function setMlScore(deps: Pick<Deps, 'db'>, input: MlScore): Promise<MlScore> {
  const score = {
    client_id: normalizeId(input.client_id),
    advertiser_id: normalizeId(input.advertiser_id),
    score: input.score,
  };
  if (!(await upsertMlScoreRow(deps.db, score))) throw notFound();
  return score;
}

/**
 * Removes a score (admin only, spec §8 #36): the pair counts as 0 again (§4.7).
 * @throws AppError NOT_FOUND when the pair has no score.
 */
export async function deleteMlScore(
  deps: Pick<Deps, 'db'>,
  clientId: string,
  advertiserId: string,
): Promise<void> {
  if (!(await deleteMlScoreRow(deps.db, normalizeId(clientId), normalizeId(advertiserId)))) throw notFound();
}
