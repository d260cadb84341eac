import { Cluster, type Redis } from 'ioredis';

/**
 * Deletes the keys under one test prefix (SCAN + DEL; never FLUSHDB, so tests sharing a server keep
 * their keys). On a cluster every primary is scanned, and keys are deleted one by one (a DEL of keys
 * in several slots is refused).
 */
export async function deleteByPrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (client instanceof Cluster) {
        for (const key of keys) await node.del(key);
      } else if (keys.length > 0) {
        await node.del(...keys);
      }
    } while (cursor !== '0');
  }
}
