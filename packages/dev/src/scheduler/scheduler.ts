import type { ChildProcess } from 'node:child_process';
import { nextRun } from './cron';
import { spawnGroup, stopGroup } from '../session/group';
import { lineSplitter, Ring } from '../terminal/logs';
import { seconds, type Terminal } from '../terminal/terminal';

export interface JobSpec {
  readonly name: string;
  readonly service: string;
  /** EventBridge expression; null for a job that only runs on demand (migrate). */
  readonly schedule: string | null;
  readonly enabled: boolean;
  readonly command: readonly string[];
  readonly cwd: string;
  /** The job's service's environment: a job runs with its service's task definition, as RunTask does. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

export interface JobRun {
  readonly id: string;
  readonly job: string;
  readonly trigger: 'schedule' | 'manual' | 'start';
  readonly startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  /** The last lines of its output. */
  output: string[];
}

export interface JobView {
  readonly name: string;
  readonly service: string;
  readonly schedule: string | null;
  readonly enabled: boolean;
  readonly command: string;
  readonly nextRun: string | null;
  readonly running: boolean;
  readonly lastRun: JobRun | null;
  readonly runs: JobRun[];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Fires each enabled job on its schedule by spawning its command with its service's env, and runs jobs on demand. */
export class Scheduler {
  private readonly jobs = new Map<string, JobSpec>();
  private readonly next = new Map<string, Date | null>();
  private readonly history = new Map<string, JobRun[]>();
  private readonly running = new Map<string, { run: JobRun; child: ChildProcess; done: Promise<JobRun> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly since = new Date();
  private seq = 0;
  private stopped = false;

  constructor(
    jobs: readonly JobSpec[],
    private readonly terminal: Terminal,
  ) {
    for (const j of jobs) this.jobs.set(j.name, j);
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  /** Arms a timer per enabled scheduled job. */
  start(): void {
    for (const job of this.jobs.values()) {
      if (job.schedule && job.enabled) this.arm(job);
      else this.next.set(job.name, null);
    }
  }

  private arm(job: JobSpec): void {
    let at: Date | null;
    try {
      at = nextRun(job.schedule!, new Date(), this.since);
    } catch (err) {
      this.terminal.warn(
        `job ${job.name}: ${(err as Error).message}; it will not fire locally (run it from the console)`,
      );
      at = null;
    }
    this.next.set(job.name, at);
    if (!at || this.stopped) return;
    const timer = setTimeout(
      () => {
        if (Date.now() + 50 >= at.getTime()) this.run(job.name, 'schedule');
        this.arm(job);
      },
      Math.min(Math.max(0, at.getTime() - Date.now()), MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(job.name, timer);
  }

  /** Starts one run now; resolves with the finished run via `wait`. */
  run(name: string, trigger: JobRun['trigger']): JobRun {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job '${name}'`);
    const id = `${name}-${Date.now().toString(36)}-${(this.seq++).toString(36)}`;
    const run: JobRun = {
      id,
      job: name,
      trigger,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      exitCode: null,
      signal: null,
      durationMs: null,
      output: [],
    };
    const runs = this.history.get(name) ?? [];
    runs.unshift(run);
    runs.splice(20);
    this.history.set(name, runs);

    const tail = new Ring(80);
    const started = Date.now();
    const label = `${name}`;
    let child: ChildProcess | undefined;
    let timeout: NodeJS.Timeout | undefined;
    const done = new Promise<JobRun>((resolve) => {
      const finish = (code: number | null, signal: string | null) => {
        run.finishedAt = new Date().toISOString();
        run.exitCode = code ?? (signal ? 128 : 1);
        run.signal = signal;
        run.durationMs = Date.now() - started;
        run.output = tail.all();
        this.running.delete(id);
        clearTimeout(timeout);
        const summary = `job ${name} ${run.exitCode === 0 ? 'finished' : `failed (exit ${run.exitCode}${signal ? `, ${signal}` : ''})`}`;
        if (run.exitCode === 0) this.terminal.done(summary, run.durationMs);
        else this.terminal.fail(`${summary} after ${seconds(run.durationMs)}`);
        resolve(run);
      };
      try {
        child = spawnGroup(job.command, { cwd: job.cwd, env: job.env });
      } catch (err) {
        tail.push(`berth: could not start ${job.command.join(' ')}: ${(err as Error).message}`);
        finish(127, null);
        return;
      }
      const onLine = (l: string) => {
        const f = this.terminal.format(job.name, l);
        tail.push(f.text);
        run.output = tail.all();
        this.terminal.child(label, f.text, f.colored);
      };
      const out = lineSplitter(onLine);
      const err = lineSplitter(onLine);
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      child.once('error', (e) =>
        tail.push(`berth: could not start '${job.command.join(' ')}' in ${job.cwd}: ${e.message}`),
      );
      child.once('close', (code, signal) => {
        out.flush();
        err.flush();
        finish(code, signal);
      });
    });
    // ECS stops a task that outlives the job's timeout; so does berth dev.
    if (run.finishedAt === null && child) {
      const started = child;
      timeout = setTimeout(() => {
        tail.push(`berth: job ${name} ran longer than ${job.timeoutMinutes} min; stopping it`);
        void stopGroup(started, 10);
      }, job.timeoutMinutes * 60_000);
      timeout.unref();
      this.running.set(id, { run, child: started, done });
    }
    return run;
  }

  /** The finished run (immediately if it already finished). */
  wait(run: JobRun): Promise<JobRun> {
    return this.running.get(run.id)?.done ?? Promise.resolve(run);
  }

  views(): JobView[] {
    return [...this.jobs.values()].map((job) => {
      const runs = this.history.get(job.name) ?? [];
      const next = this.next.get(job.name);
      return {
        name: job.name,
        service: job.service,
        schedule: job.schedule,
        enabled: job.enabled,
        command: job.command.join(' '),
        nextRun: next ? next.toISOString() : null,
        running: runs.some((r) => r.finishedAt === null),
        lastRun: runs[0] ?? null,
        runs,
      };
    });
  }

  /**
   * The config changed: new and changed jobs take their new spec (and schedule) from now on; a removed job keeps its
   * history until the next run of berth dev but no longer fires. A running job finishes as it started.
   */
  update(jobs: readonly JobSpec[]): void {
    const names = new Set(jobs.map((j) => j.name));
    for (const name of [...this.jobs.keys()]) {
      if (names.has(name)) continue;
      clearTimeout(this.timers.get(name));
      this.timers.delete(name);
      this.jobs.delete(name);
    }
    for (const job of jobs) {
      clearTimeout(this.timers.get(job.name));
      this.jobs.set(job.name, job);
      if (job.schedule && job.enabled) this.arm(job);
      else this.next.set(job.name, null);
    }
  }

  /** Clears timers and stops running jobs (their process groups get SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    await Promise.all([...this.running.values()].map(async (r) => stopGroup(r.child, 10).then(() => r.done)));
  }
}
