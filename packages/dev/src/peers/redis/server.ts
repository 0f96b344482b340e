import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Restartable } from '../supervise';
import { RespClient } from './resp';

/**
 * The state folder's own Redis: a `redis-server` child bound to loopback on the state's port, with a random password
 * (`requirepass`) that only the state folder holds. Nobody without that password reads or writes its keys, so another
 * account on the machine cannot poison the app's cache, and two state folders never share one.
 *
 * The password never appears on a command line (`ps` shows every account's): it is in `<state>/redis/redis.conf`
 * and `<state>/redis/credentials.json`, both 0600 in a 0700 folder. No persistence (`save ""`, no AOF), as in the
 * cloud, where the cache keeps no snapshots: a restart starts empty and the app reads through to its database.
 */
export interface LocalRedisServer {
  /** `redis://:<password>@127.0.0.1:<port>`: what CACHE_URL carries. */
  readonly url: string;
  /** `redis://127.0.0.1:<port>`, for the terminal and the console (no password). */
  readonly endpoint: string;
  readonly port: number;
  readonly password: string;
  /** `7.2.4`, from `redis-server --version`. */
  readonly version: string;
  readonly restartable: Restartable;
  stop(): Promise<void>;
}

export interface RedisCredentials {
  /** The password of the state's own redis-server (its `requirepass`). */
  readonly password: string;
  /** An ACL user's password on a shared Redis, when there is no redis-server to run. */
  readonly aclPassword: string;
}

export const REDIS_DIR = 'redis';
export const REDIS_CREDENTIALS_FILE = 'credentials.json';
const READY_MS = 10_000;
const STOP_MS = 5_000;

/** `redis-server` on PATH (the PATH berth dev runs with), else undefined. */
export function findRedisServer(path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `<state>/redis/credentials.json` (0600), created with random passwords on first use. */
export function loadRedisCredentials(stateDir: string): RedisCredentials {
  const dir = join(stateDir, REDIS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, REDIS_CREDENTIALS_FILE);
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RedisCredentials>;
      if (parsed.password && parsed.aclPassword) return parsed as RedisCredentials;
    } catch {
      // unreadable: new ones below (nothing else holds them: the server is started with whatever is written here)
    }
  }
  // Hex: nothing to quote in redis.conf, nothing to escape in a URL.
  const credentials = {
    password: randomBytes(24).toString('hex'),
    aclPassword: randomBytes(24).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

export async function startRedisServer(options: {
  readonly bin: string;
  readonly stateDir: string;
  readonly port: number;
  readonly password: string;
}): Promise<LocalRedisServer> {
  const { bin, port, password } = options;
  const dir = join(options.stateDir, REDIS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'redis.conf');
  const pidfile = join(dir, 'redis.pid');
  await stopStale(pidfile);
  writeFileSync(conf, config({ port, password, dir, pidfile }), { mode: 0o600 });
  const version = await serverVersion(bin);

  const exitListeners: ((reason: string) => void)[] = [];
  let stopping = false;
  let output = '';
  const launch = async (): Promise<ChildProcess> => {
    output = '';
    const child = spawn(bin, [conf], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    const keep = (c: Buffer) => (output = (output + c.toString('utf8')).slice(-4_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
    );
    child.once('error', (err) => (output += `\n${err.message}`));
    try {
      await Promise.race([
        waitReady(port, password),
        exited.then((reason) => {
          throw new Error(`redis-server exited (${reason}): ${lastLines(output)}`);
        }),
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    void exited.then((reason) => {
      if (stopping || server !== child) return;
      for (const l of exitListeners) l(reason);
    });
    return child;
  };
  let server: ChildProcess | undefined;
  server = await launch();

  const endpoint = `redis://127.0.0.1:${port}`;
  return {
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    endpoint,
    port,
    password,
    version,
    restartable: {
      onExit: (listener) => void exitListeners.push(listener),
      restart: async () => {
        if (server) await stopChild(server);
        server = undefined;
        const next = await launch();
        server = next;
        if (stopping) await stopChild(next);
      },
    },
    stop: async () => {
      stopping = true;
      if (server) await stopChild(server);
      rmSync(pidfile, { force: true });
    },
  };
}

function config(o: { port: number; password: string; dir: string; pidfile: string }): string {
  return `${[
    "# Written by berth dev on every start: this state folder's own Redis. Edits are overwritten.",
    `port ${o.port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `requirepass ${o.password}`,
    'save ""',
    'appendonly no',
    `dir "${o.dir}"`,
    `pidfile "${o.pidfile}"`,
    'daemonize no',
    'logfile ""',
    'loglevel warning',
  ].join('\n')}\n`;
}

async function serverVersion(bin: string): Promise<string> {
  const text = await new Promise<string>((resolve) => {
    const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', () => resolve(''));
    child.once('close', () => resolve(out));
  });
  return /v=(\S+)/.exec(text)?.[1] ?? 'unknown';
}

/** Until the server answers PING behind its password (or READY_MS). */
async function waitReady(port: number, password: string): Promise<void> {
  const until = Date.now() + READY_MS;
  let last = '';
  while (Date.now() < until) {
    try {
      const client = await RespClient.connect(new URL(`redis://127.0.0.1:${port}`), 500);
      try {
        await client.call('AUTH', password);
        if ((await client.call('PING')) === 'PONG') return;
      } finally {
        client.close();
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on :${port} within ${READY_MS} ms (${last})`);
}

/** A redis-server left running by a killed berth dev (its pidfile in this state folder) is stopped first. */
async function stopStale(pidfile: string): Promise<void> {
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not running (or no /proc): the file is stale
  }
  if (pid > 0 && cmdline.includes('redis-server')) {
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
    const until = Date.now() + STOP_MS;
    while (!gone() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (!gone()) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidfile, { force: true });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ') || 'no output';
}
