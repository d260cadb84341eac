import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { bulkUpsert } from '../shared/bulk.ts';
import { normalizeId } from '../shared/schema.ts';
import { deleteClientRow, findClientRow, upsertClientRows } from './clients.repo.ts';
import type { Client } from './clients.schema.ts';

/** Creates or replaces clients all-or-nothing (spec §3.1, §4.1). */
export function upsertClients(deps: Pick<Deps, 'db'>, input: readonly Client[]): Promise<Client[]> {
  return bulkUpsert(deps.db, input, 'client_id', upsertClientRows);
}

/**
 * Deletes a client (admin only, spec §8 #36) with its ML scores, impressions and clicks; its
 * reports stay with no client (§2). Its ads-throttle overrides go too: the throttle knows clients
 * as its users and has no foreign key to them.
 * @throws AppError NOT_FOUND when the client does not exist.
 */
export async function deleteClient(deps: Pick<Deps, 'db' | 'throttle'>, clientId: string): Promise<void> {
  const id = normalizeId(clientId);
  if (!(await deleteClientRow(deps.db, id))) throw notFound();
  await deps.throttle.deleteOverridesForUser(id);
}

/** @throws AppError NOT_FOUND when the client does not exist. */
export async function getClient(deps: Pick<Deps, 'db'>, clientId: string): Promise<Client> {
  const client = await findClientRow(deps.db, normalizeId(clientId));
  if (!client) throw notFound();
  return client;
}
