import { parentPort } from 'node:worker_threads';
import { LpError, type LpModel, type LpOptions, solveLp } from './lp.ts';

type Request = { id: number; model: LpModel; options: LpOptions };

parentPort?.on('message', async ({ id, model, options }: Request) => {
  try {
    const solution = await solveLp(model, options);
    parentPort?.postMessage({ id, solution }, [
      solution.values.buffer as ArrayBuffer,
      solution.rowDuals.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const status = error instanceof LpError ? error.status : 'error';
    parentPort?.postMessage({ id, error: { message: String((error as Error)?.message ?? error), status } });
  }
});
