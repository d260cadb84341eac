import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type HostPort = { host: string; port: number };

/**
 * How every part of AdNova (cache, throttle, job queue, bot sessions) reaches Redis:
 * - `standalone`: one server, `REDIS_URL`;
 * - `sentinel`: the primary that Redis Sentinel names, `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`.
 *   A client asks the sentinels for the primary at every (re)connect and follows a failover;
 * - `cluster`: a Redis Cluster, `REDIS_CLUSTER_NODES` (any reachable nodes; the rest is discovered).
 *   Every multi-key script keeps its keys in one hash slot with a `{…}` tag.
 */
export type RedisConnection =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: HostPort[];
      name: string;
      /** `REDIS_PASSWORD`: the primary's and replicas' password (`requirepass`). */
      password?: string | undefined;
      /** `REDIS_SENTINEL_PASSWORD`: the sentinels' own password, when they have one. */
      sentinelPassword?: string | undefined;
      /** `REDIS_DB` (default 0). */
      db: number;
    }
  | { mode: 'cluster'; nodes: HostPort[]; password?: string | undefined };

/** A client of either kind; both run commands and scripts the same way. */
export type RedisClient = Redis | Cluster;

const MODES = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

/**
 * Reads the Redis variables of `env`; undefined when none is set (no Redis). Problems are pushed
 * to `problems`, so the caller reports them with its own, all at once. `url` is the caller's URL
 * reader, which checks protocols the way every other URL variable is checked.
 */
export function loadRedisConnection(
  env: Record<string, string | undefined>,
  problems: string[],
  url: (name: string, protocols: string[]) => string | undefined,
): RedisConnection | undefined {
  const set = MODES.filter((name) => (env[name] ?? '') !== '');
  if (set.length > 1) {
    problems.push(`set only one of ${MODES.join(', ')} (got ${set.join(' and ')})`);
    return undefined;
  }
  const password = env.REDIS_PASSWORD || undefined;
  if (set.length === 0 || set[0] === 'REDIS_URL') {
    if (password)
      problems.push('REDIS_PASSWORD is for REDIS_SENTINELS or REDIS_CLUSTER_NODES; put it in REDIS_URL');
    const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
    return redisUrl ? { mode: 'standalone', url: redisUrl } : undefined;
  }
  if (set[0] === 'REDIS_SENTINELS') {
    const sentinels = hostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS ?? '', 26379, problems);
    const name = env.REDIS_SENTINEL_NAME || 'mymaster';
    const dbRaw = env.REDIS_DB || '0';
    const db = Number(dbRaw);
    if (!/^\d+$/.test(dbRaw) || db > 15)
      problems.push(`REDIS_DB must be a database number 0–15, got "${dbRaw}"`);
    return {
      mode: 'sentinel',
      sentinels,
      name,
      password,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
      db,
    };
  }
  if (env.REDIS_DB && env.REDIS_DB !== '0')
    problems.push('REDIS_DB must be 0 with REDIS_CLUSTER_NODES (a cluster has one database)');
  return {
    mode: 'cluster',
    nodes: hostPorts('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES ?? '', 6379, problems),
    password,
  };
}

function hostPorts(name: string, raw: string, defaultPort: number, problems: string[]): HostPort[] {
  const out: HostPort[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    // host, host:port, [v6]:port
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65_535) {
      problems.push(`${name} must be a comma-separated list of host:port, got "${item}"`);
      continue;
    }
    out.push({ host: match[1] ?? match[2] ?? '', port });
  }
  return out;
}

/**
 * The ioredis options of a standalone or Sentinel connection, with `extra` on top; BullMQ takes
 * them as they are (`url` included) and opens its own connections from them.
 */
export function redisOptions(
  connection: Exclude<RedisConnection, { mode: 'cluster' }>,
  extra: RedisOptions = {},
): RedisOptions & { url?: string } {
  if (connection.mode === 'standalone') return { url: connection.url, ...extra };
  return {
    sentinels: connection.sentinels,
    name: connection.name,
    role: 'master',
    db: connection.db,
    ...(connection.password && { password: connection.password }),
    ...(connection.sentinelPassword && { sentinelPassword: connection.sentinelPassword }),
    // ioredis's `failoverDetector` is left off: when its +switch-master message arrives while the
    // client is asking a sentinel for the primary (it does that at every reconnect attempt after a
    // crash), ioredis 5.11 ends the client for good (status "end", every later command "Connection
    // is closed"). Seen in CI: the throttle failed open for over a minute after a failover; with
    // slow sentinels, redis-sentinel.test.ts ended most clients in every run. Without it a client
    // follows a failover when its socket breaks: a crashed primary, or a demoted one, whose clients
    // the sentinels kill. Until the old primary is demoted, writes can still land on it and are
    // lost with it, as with any failover of asynchronous replication. A demoted primary that
    // still answers refuses writes with READONLY; that reconnects through the sentinels too, and
    // the command is sent again.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
    ...extra,
  };
}

/** Opens a client for `connection`; `extra` options apply to every node it talks to. */
export function createRedisClient(connection: RedisConnection, extra: RedisOptions = {}): RedisClient {
  if (connection.mode === 'cluster') {
    const { enableOfflineQueue, ...perNode } = extra;
    const client = new Cluster(connection.nodes, {
      // With the ready check, a cluster client that (re)connects while the cluster reports
      // cluster_state:fail disconnects and retries, and the promise of that connect() never
      // settles (ioredis 5.11): BullMQ's worker awaited it for good after a node's outage and
      // ran no job again (redis-cluster.test.ts, "freezes"). Without it the client is ready
      // once it has the slots; a command the down cluster refuses is retried, then fails.
      enableReadyCheck: false,
      ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
      redisOptions: { ...(connection.password && { password: connection.password }), ...perNode },
    });
    // While it has no node to send to, a Cluster holds commands in a queue of its own, where the
    // per-node bound (maxRetriesPerRequest) does not apply: with every node unreachable a cache
    // read waited for good, where on one server it fails after 2 retries (160 ms). A client whose
    // commands must give up (a number of retries) uses that queue only for its first connection,
    // so commands sent at start wait for the slots; after that, or 5 s at the latest, a command
    // sent while the cluster is unreachable fails at once. ioredis reads the option per command.
    if (typeof perNode.maxRetriesPerRequest === 'number' && client.options.enableOfflineQueue) {
      const stopQueueing = () => {
        client.options.enableOfflineQueue = false;
        clearTimeout(timer);
      };
      const timer = setTimeout(stopQueueing, 5000);
      timer.unref();
      client.once('ready', stopQueueing);
    }
    return client;
  }
  const { url, ...options } = redisOptions(connection, extra);
  return url ? new Redis(url, options) : new Redis(options);
}

/** One line for the start log, with passwords left out. */
export function describeRedis(connection: RedisConnection): string {
  const list = (hosts: HostPort[]) => hosts.map((h) => `${h.host}:${h.port}`).join(',');
  switch (connection.mode) {
    case 'standalone':
      return `redis (${redactUrl(connection.url)})`;
    case 'sentinel':
      return `redis sentinel (${connection.name} via ${list(connection.sentinels)}, db ${connection.db})`;
    case 'cluster':
      return `redis cluster (${list(connection.nodes)})`;
  }
}

/** `url` with its password replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
