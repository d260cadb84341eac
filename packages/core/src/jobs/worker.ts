import type { Deps } from '../deps.ts';
import { GENERATE_AD_TEXT_JOB, runAdTextGeneration } from '../generation/generation.ts';
import { MODERATE_REPORT_JOB, resumeModeration, runReportModeration } from '../reports/reports.ts';

/** How often a worker looks for reports whose moderation was lost or gave up. */
const RESUME_MODERATION_MS = 5 * 60_000;

export type JobWorker = { close(): Promise<void> };

/**
 * The worker role: runs this platform's jobs from `deps.queue` in this process, and makes sure
 * every report eventually gets a verdict (at start, then every few minutes). `deps.close()` also
 * stops the queue's worker; `close()` here stops only the periodic resume.
 */
export async function startWorker(deps: Pick<Deps, 'db' | 'queue' | 'llm' | 'log'>): Promise<JobWorker> {
  await deps.queue.work({
    [GENERATE_AD_TEXT_JOB]: (payload, context) => runAdTextGeneration(deps, payload, context),
    [MODERATE_REPORT_JOB]: (payload, context) => runReportModeration(deps, payload, context),
  });
  let stopped = false;
  const resume = () =>
    resumeModeration(deps).catch((error: unknown) => {
      if (!stopped) deps.log.error({ err: error }, 'resuming moderation failed');
    });
  await resume();
  const timer = setInterval(() => void resume(), RESUME_MODERATION_MS);
  timer.unref();
  return {
    async close() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
