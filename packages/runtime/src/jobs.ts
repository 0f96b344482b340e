import type { Logger } from './logger';
import type { Runtime } from './runtime';

export interface JobContext {
  readonly runtime: Runtime;
  readonly log: Logger;
  /** Aborted on SIGTERM (RunTask stop) so a job can stop between units of work. */
  readonly signal: AbortSignal;
}

export interface Job {
  readonly name: string;
  /** Documentation only: the schedule lives in berth.config.ts. */
  readonly schedule?: string;
  readonly run: (ctx: JobContext) => Promise<void>;
}

export function defineJob(job: Job): Job {
  return Object.freeze({ ...job });
}

export async function runJob(_name: string, _jobs: readonly Job[], _runtime?: Runtime): Promise<number> {
  throw new Error('not implemented');
}

export async function jobMain(_jobs: readonly Job[]): Promise<void> {
  throw new Error('not implemented');
}
