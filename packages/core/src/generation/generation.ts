import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Deps } from '../deps.ts';
import { invalidField, notFound } from '../errors.ts';
import { type JobContext, type JobStatus, PermanentJobError } from '../jobs/queue.ts';
import { normalizeId } from '../shared/schema.ts';
import type { GenerateAdTextInput, GenerationTask } from './generation.schema.ts';

export const GENERATE_AD_TEXT_JOB = 'generate-ad-text';

const Payload = Type.Object({ advertiser_name: Type.String(), ad_title: Type.String() });

/**
 * Accepts an ad-text generation request and queues it (spec §7.2); the text is read later with
 * `getAdTextTask`. Task ids are UUIDs, also used as the queue's job ids.
 * @throws AppError VALIDATION when a field is only whitespace; UNAVAILABLE when the queue is down.
 */
export async function requestAdText(
  deps: Pick<Deps, 'queue'>,
  input: GenerateAdTextInput,
): Promise<GenerationTask> {
  const advertiserName = input.advertiser_name.trim();
  const adTitle = input.ad_title.trim();
  if (advertiserName === '') throw invalidField('advertiser_name', "advertiser_name can't be blank.");
  if (adTitle === '') throw invalidField('ad_title', "ad_title can't be blank.");
  const taskId = await deps.queue.enqueue(
    GENERATE_AD_TEXT_JOB,
    { advertiser_name: advertiserName, ad_title: adTitle },
    { id: randomUUID() },
  );
  return { task_id: taskId, status: 'PENDING', result: null };
}

/**
 * A generation task's status and, once SUCCESS, its text (kept at least 24 hours).
 * @throws AppError NOT_FOUND for an unknown or expired task id (or the id of another kind of job).
 */
export async function getAdTextTask(deps: Pick<Deps, 'queue'>, taskId: string): Promise<GenerationTask> {
  const job = await deps.queue.getJob(normalizeId(taskId));
  if (!job || job.kind !== GENERATE_AD_TEXT_JOB) throw notFound();
  const status: JobStatus = job.status;
  return {
    task_id: job.id,
    status,
    result: status === 'SUCCESS' && typeof job.result === 'string' ? job.result : null,
    ...((status === 'FAILURE' || status === 'RETRY') && job.error ? { error: job.error } : {}),
  };
}

/** The generation job: asks the LLM provider for the text (its errors make the queue retry). */
export async function runAdTextGeneration(
  deps: Pick<Deps, 'llm'>,
  payload: unknown,
  context: Pick<JobContext, 'signal'>,
): Promise<string> {
  if (!Value.Check(Payload, payload)) throw new PermanentJobError('invalid generation payload');
  return deps.llm.generateAdText(
    { advertiserName: payload.advertiser_name, adTitle: payload.ad_title },
    context.signal,
  );
}
