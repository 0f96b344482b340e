import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');

/** A `berth dev` child process and everything it printed so far. */
export interface Dev {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** The state folder of the berth dev started on each port: console calls read its token from dev.json. */
const states = new Map<number, string>();

/** The console's script token of the berth dev running on `port` (dev.json, as `berth dev rotate` reads it). */
export function consoleToken(port: number): string | undefined {
  const state = states.get(port);
  if (!state) return undefined;
  try {
    return (JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { token?: string }).token;
  } catch {
    return undefined;
  }
}

export function startDev(
  config: string,
  state: string,
  port: number,
  env: Readonly<Record<string, string>> = {},
  args: readonly string[] = [],
): Dev {
  states.set(port, state);
  const child = spawn(
    process.execPath,
    [BIN, 'dev', '--config', config, '--state', state, '--port', String(port), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 150,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked with matchers
  json(): any;
}

/**
 * One request to 127.0.0.1:port with its own connection (no agent), timed. A console API call (`/_berth/api/…`)
 * to a berth dev started by startDev carries its script token from dev.json, as the developer's script would,
 * unless `anonymous` or the headers bring their own credential.
 */
export function http(
  port: number,
  path: string,
  options: {
    method?: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    anonymous?: boolean;
  } = {},
): Promise<HttpAnswer> {
  const t0 = performance.now();
  const token =
    !options.anonymous &&
    path.startsWith('/_berth/api/') &&
    !options.headers?.['x-berth-token'] &&
    !options.headers?.cookie
      ? consoleToken(port)
      : undefined;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        method: options.method ?? 'GET',
        headers: {
          host: options.host ?? `localhost:${port}`,
          ...(token ? { 'x-berth-token': token } : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            body,
            ms: performance.now() - t0,
            json: () => JSON.parse(body),
          }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${path}: no answer in ${options.timeoutMs ?? 10_000} ms`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

/** Starts berth dev and waits for "<app> is up"; throws with its output when it does not come up. */
export async function devUp(dev: Dev, app: string, timeoutMs = 120_000): Promise<void> {
  await until(
    `berth dev (${app}) to be up`,
    () =>
      new RegExp(`${app} is up`).test(dev.output()) ? true : dev.child.exitCode !== null ? true : undefined,
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${dev.output()}`);
  });
  if (dev.child.exitCode !== null)
    throw new Error(`berth dev exited ${dev.child.exitCode}:\n${dev.output()}`);
}
