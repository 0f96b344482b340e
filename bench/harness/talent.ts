import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TALENT_DIR = join(ROOT, 'examples/talent');
const BUNDLE = join(TALENT_DIR, 'dist/server.js');

/** Newest mtime of the files the bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['examples/talent/src', 'packages/runtime/src', 'packages/config/src'])
    walk(join(ROOT, dir));
  return newest;
}

/**
 * The production bundle (examples/talent/dist/server.js), built by the app's own `npm run build` when it is
 * missing or older than its sources. Returns the entry to run.
 */
export function ensureBundle(): string {
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestSource()) return BUNDLE;
  const build = spawnSync('npm', ['run', 'build', '-w', '@berthjs/example-talent'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0 || !existsSync(BUNDLE)) {
    throw new Error(`talent: npm run build failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
  }
  return BUNDLE;
}

export interface SeededDatabase {
  /** Open opportunities (no closing date), oldest first. */
  readonly opportunityIds: readonly string[];
}

/** Applies talent's migrations/NNN_*.sql in order and inserts `opportunities` open opportunities. */
export async function prepareTalentDatabase(url: string, opportunities = 20): Promise<SeededDatabase> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const dir = join(TALENT_DIR, 'migrations');
    const files = readdirSync(dir)
      .filter((f) => /^\d+_.*\.sql$/.test(f))
      .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    for (const file of files) {
      await client.query('BEGIN');
      await client.query(readFileSync(join(dir, file), 'utf8'));
      await client.query('COMMIT');
    }
    const { rows } = await client.query<{ id: string }>(
      `insert into opportunities (title, description, created_by, created_at)
       select 'Opportunity ' || i, 'A role described in a few sentences, number ' || i || '.', 'bench',
              now() - (i || ' minutes')::interval
         from generate_series(1, $1::int) as i
       returning id`,
      [opportunities],
    );
    return { opportunityIds: rows.map((r) => r.id) };
  } finally {
    await client.end();
  }
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The last lines it wrote to stdout/stderr. */
  output(): string;
  /** Peak and current resident set size, MB (from /proc/<pid>/status). */
  memory(): { peakMb: number; rssMb: number };
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServerOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  readonly cwd?: string;
  /** Path polled until it answers 200. @default '/ready' */
  readonly readyPath?: string;
  /** @default 30000 */
  readonly readyTimeoutMs?: number;
}

/** Reads VmHWM / VmRSS (kB) of a live process. */
export function procMemory(pid: number): { peakMb: number; rssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return { peakMb: Number.NaN, rssMb: Number.NaN };
  }
}

/** CPU time a live process has used so far, ms, split user / system (from /proc/<pid>/stat, 100 ticks/s). */
export function procCpu(pid: number): { userMs: number; systemMs: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { userMs: Number(fields[11]) * 10, systemMs: Number(fields[12]) * 10 };
  } catch {
    return { userMs: Number.NaN, systemMs: Number.NaN };
  }
}

/** Starts a server process and waits until `readyPath` answers 200 (or the process dies, with its output). */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-400_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${options.port}`;
  const server: ServerProcess = {
    child,
    pid: child.pid!,
    url,
    exited,
    output: () => tail,
    memory: () => procMemory(child.pid!),
    async stop(graceMs = 10_000) {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  await waitForStatus(`${url}${options.readyPath ?? '/ready'}`, 200, options.readyTimeoutMs ?? 30_000, () =>
    dead ? `exited before it was ready:\n${tail}` : undefined,
  );
  return server;
}

/** Polls `url` until it answers `status`; `failed()` returning a reason aborts early. */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  failed: () => string | undefined = () => undefined,
  intervalMs = 20,
): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(`${url}: ${reason}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === status) return performance.now() - started;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() - started > timeoutMs)
      throw new Error(`${url}: not ${status} after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The environment a spawned server gets: the contract, plus PATH/HOME, nothing else of ours. */
export function processEnv(contract: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...contract };
}

export interface StartTalentOptions {
  /** The contract env (test/support contractEnv(...)); PORT must be set. */
  readonly env: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  /**
   * `bundle`: dist/server.js, as the container runs it. `source`: src/server.ts through tsx, as `berth dev` does.
   * @default - BERTH_TALENT_ENTRY, else 'bundle'
   */
  readonly entry?: 'bundle' | 'source';
  /** Another build of the bundle to run instead (e.g. one built before a change, for a before/after run). */
  readonly bundle?: string;
  /** A command node runs under, e.g. `['taskset', '-c', '1']` (it must exec node, keeping the pid). */
  readonly prefix?: readonly string[];
}

/** Runs talent with NODE_ENV=production, from its production bundle unless told otherwise. */
export async function startTalent(options: StartTalentOptions): Promise<ServerProcess> {
  const source = (options.entry ?? process.env.BERTH_TALENT_ENTRY) === 'source';
  const entry = options.bundle
    ? [options.bundle]
    : source
      ? ['--import', 'tsx', join(TALENT_DIR, 'src/server.ts')]
      : [ensureBundle()];
  const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
  return spawnServer({
    command: command!,
    args: [...prefixArgs, ...(options.nodeArgs ?? []), ...entry],
    env: processEnv(options.env),
    port: Number(options.env.PORT),
    cwd: TALENT_DIR,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
}
