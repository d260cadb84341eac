// Entry of the LP worker thread (lp-thread.ts). Worker threads do not inherit tsx's loader, so
// this plain module registers it before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./lp-thread.worker.ts');
