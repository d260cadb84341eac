import type { Logger } from 'pino';
import type { QueueConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { createBullmqQueue } from './bullmq.queue.ts';
import { createDatabaseQueue } from './database.queue.ts';
import type { JobQueue } from './queue.ts';

/** The queue chosen by config: BullMQ when Redis is configured, the database runner otherwise. */
export function createQueue(config: QueueConfig, database: Database, log: Logger): JobQueue {
  return config.kind === 'bullmq'
    ? createBullmqQueue(config, log)
    : createDatabaseQueue(config, database, log);
}
