import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { bulkUpsert } from '../shared/bulk.ts';
import { normalizeId } from '../shared/schema.ts';
import { findClientRow, upsertClientRows } from './clients.repo.ts';
import type { Client } from './clients.schema.ts';

/** Creates or replaces clients all-or-nothing (spec §3.1, §4.1). */
export function upsertClients(deps: Pick<Deps, 'db'>, input: readonly Client[]): Promise<Client[]> {
  return bulkUpsert(deps.db, input, 'client_id', upsertClientRows);
}

/** @throws AppError NOT_FOUND when the client does not exist. */
export async function getClient(deps: Pick<Deps, 'db'>, clientId: string): Promise<Client> {
  const client = await findClientRow(deps.db, normalizeId(clientId));
  if (!client) throw notFound();
  return client;
}
