import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { pingQueue } from '../jobs/queue.ts';

export const WORKING = 'working';

/** One component's check: resolves when healthy, throws with a short reason otherwise. */
export type HealthCheck = { name: string; critical: boolean; run(): Promise<void> };

export type HealthReport = { healthy: boolean; components: Record<string, string> };

const TIMEOUT_MS = 3000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The checks of the components this process uses (spec §6.1); later issues add theirs. */
export function coreHealthChecks(
  deps: Pick<Deps, 'db' | 'database' | 'cache' | 'storage' | 'queue' | 'llm'>,
): HealthCheck[] {
  return [
    {
      name: 'database',
      critical: true,
      async run() {
        const id = randomUUID();
        await deps.db.execute(sql`INSERT INTO health_probes (id) VALUES (${id}::uuid)`);
        const found = await rows<{ id: string }>(
          deps.db,
          sql`SELECT id FROM health_probes WHERE id = ${id}::uuid`,
        );
        await deps.db.execute(sql`DELETE FROM health_probes WHERE id = ${id}::uuid`);
        if (found.length !== 1) throw new Error('probe row not read back');
      },
    },
    {
      name: 'migrations',
      critical: true,
      async run() {
        const pending = await deps.database.pendingMigrations();
        if (pending.length > 0) throw new Error(`unapplied: ${pending.join(', ')}`);
      },
    },
    {
      name: 'cache',
      critical: true,
      async run() {
        const key = `adnova:health:${randomUUID()}`;
        await deps.cache.set(key, 'ok', 10);
        const value = await deps.cache.get(key);
        await deps.cache.del(key);
        if (value !== 'ok') throw new Error('value not read back');
      },
    },
    {
      name: 'storage',
      critical: true,
      run: () => deps.storage.probe(),
    },
    {
      // A no-op job goes through a worker within the check's time (spec §6.1).
      name: 'queue',
      critical: true,
      run: () => pingQueue(deps.queue, TIMEOUT_MS - 200),
    },
    {
      name: 'queue_workers',
      critical: true,
      async run() {
        if ((await deps.queue.countWorkers()) === 0) throw new Error('no worker is running (ADNOVA_ROLES)');
      },
    },
    // Only with DATABASE_READ_URL. Not critical: without the replica only statistics fail (503),
    // and a load balancer must not take every API process out of service for that.
    ...(deps.database.readDb === deps.db
      ? []
      : [
          {
            name: 'database_replica',
            critical: false,
            async run() {
              await deps.database.readDb.execute(sql`SELECT 1`);
            },
          },
        ]),
    {
      // Not critical (spec §6.1). The offline provider always works; the start-up backends line
      // says `llm=offline` when it is the one in use.
      name: 'llm',
      critical: false,
      run: () => deps.llm.ping(),
    },
  ];
}

/** Runs every check concurrently; healthy iff every critical component works. */
export async function checkHealth(checks: readonly HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        await withTimeout(check.run(), TIMEOUT_MS);
        return [check, WORKING] as const;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return [check, `unavailable: ${reason.split('\n')[0]}`] as const;
      }
    }),
  );
  const components: Record<string, string> = {};
  let healthy = true;
  for (const [check, status] of results) {
    components[check.name] = status;
    if (check.critical && status !== WORKING) healthy = false;
  }
  return { healthy, components };
}
