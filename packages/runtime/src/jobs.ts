import type { Logger } from './logger';
import { createRuntime, type Runtime } from './runtime';

export interface JobContext {
  readonly runtime: Runtime;
  readonly log: Logger;
  /** Aborted on SIGTERM/SIGINT (ECS StopTask) so a job can stop between units of work. */
  readonly signal: AbortSignal;
}

export interface Job {
  readonly name: string;
  /** Documentation only: the schedule that fires it lives in berth.config.ts. */
  readonly schedule?: string;
  readonly run: (ctx: JobContext) => Promise<void>;
}

const JOB_NAME = /^[a-z0-9][a-z0-9-]*$/;

export function defineJob(job: Job): Job {
  if (!JOB_NAME.test(job.name))
    throw new Error(`defineJob: name '${job.name}' must be lower-case letters, digits and dashes`);
  if (typeof job.run !== 'function') throw new Error(`defineJob: job '${job.name}' needs a run function`);
  return Object.freeze({ ...job });
}

/**
 * Runs one job once (what a scheduled ECS RunTask does) and returns its exit code: 0 ok, 1 failed,
 * 2 unknown job. Logs the outcome and duration, and counts it in metrics.
 */
export async function runJob(
  name: string,
  jobs: readonly Job[],
  runtime: Runtime = createRuntime(),
  signal?: AbortSignal,
): Promise<number> {
  const job = jobs.find((j) => j.name === name);
  if (!job) {
    runtime.log.error({ job: name, known: jobs.map((j) => j.name) }, `job: unknown job '${name}'`);
    return 2;
  }
  const log = runtime.log.child({ job: name });
  const started = performance.now();
  log.info('job: started');
  try {
    await job.run({ runtime, log, signal: signal ?? new AbortController().signal });
    const ms = Math.round(performance.now() - started);
    log.info({ outcome: 'succeeded', ms }, 'job: succeeded');
    runtime.metrics.count('JobSucceeded', 1, { job: name });
    runtime.metrics.timing('JobDuration', ms, { job: name });
    return 0;
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    log.error({ outcome: 'failed', ms, err }, 'job: failed');
    runtime.metrics.count('JobFailed', 1, { job: name });
    return 1;
  }
}

/**
 * The job container's entry point: `node dist/job.js <name>`. Runs the job, closes the runtime and sets
 * process.exitCode (0 ok, 1 failed, 2 usage). SIGTERM aborts the job's signal; the job decides how to stop.
 */
export async function jobMain(
  jobs: readonly Job[],
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const name = argv[0];
  const known = jobs.map((j) => j.name);
  if (!name || !known.includes(name)) {
    console.error(
      `${name ? `unknown job '${name}'` : 'usage: <job name>'}; known jobs: ${known.join(', ') || '(none)'}`,
    );
    process.exitCode = 2;
    return;
  }
  let runtime: Runtime;
  try {
    runtime = createRuntime();
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const controller = new AbortController();
  const abort = (sig: NodeJS.Signals) => {
    runtime.log.warn({ job: name, signal: sig }, 'job: stop requested');
    controller.abort(new Error(`received ${sig}`));
  };
  process.once('SIGTERM', abort);
  process.once('SIGINT', abort);
  const code = await runJob(name, jobs, runtime, controller.signal);
  process.off('SIGTERM', abort);
  process.off('SIGINT', abort);
  await runtime.close();
  process.exitCode = code;
}
