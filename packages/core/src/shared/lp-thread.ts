import { Worker } from 'node:worker_threads';
import { LpError, type LpModel, type LpOptions, type LpSolution } from './lp.ts';

/**
 * `solveLp` on a worker thread: HiGHS solves synchronously, so a solve of a second on the main
 * thread would stall every request of the process for that second. The thread starts on the first
 * solve and lives until `close`; solves run one at a time, in order.
 */
export type LpThread = {
  solve(model: LpModel, options?: LpOptions): Promise<LpSolution>;
  close(): Promise<void>;
};

type Reply =
  | { id: number; solution: LpSolution }
  | { id: number; error: { message: string; status: string } };

export function createLpThread(): LpThread {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(s: LpSolution): void; reject(e: Error): void }>();
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const w = new Worker(new URL('./lp-thread.worker.mjs', import.meta.url));
    // An idle solver thread must not keep the process alive.
    w.unref();
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if ('solution' in reply) p.resolve(reply.solution);
      else p.reject(new LpError(reply.error.message, reply.error.status));
    });
    w.on('error', (error) => failAll(error));
    w.on('exit', (code) => {
      if (worker === w) failAll(new Error(`the LP worker thread exited (code ${code})`));
    });
    return w;
  };
  return {
    solve(model, options = {}) {
      worker ??= start();
      const id = nextId++;
      const w = worker;
      return new Promise<LpSolution>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, model, options });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      failAll(new Error('the LP worker thread was closed'));
      await w?.terminate();
    },
  };
}
