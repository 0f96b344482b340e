import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

export interface CannonOptions {
  readonly url: string;
  /** Keep-alive connections, no pipelining (an ALB does not pipeline). @default 50 */
  readonly connections?: number;
  /** @default 10 */
  readonly durationSeconds?: number;
}

export interface CannonResult {
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * Runs autocannon in its own process (the load generator must not share the server's event loop, and on a 2-core
 * machine it gets one core, the server the other), returning its JSON summary.
 */
export function cannon(options: CannonOptions): Promise<CannonResult> {
  const args = [
    CLI,
    '--json',
    '--no-progress',
    '-c',
    String(options.connections ?? 50),
    '-d',
    String(options.durationSeconds ?? 10),
    '-p',
    '1',
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      try {
        const json = JSON.parse(out.slice(out.indexOf('{'))) as AutocannonJson;
        resolve({
          rps: json.requests.average,
          total: json.requests.total,
          p50: json.latency.p50,
          p90: json.latency.p90,
          p99: json.latency.p99,
          max: json.latency.max,
          non2xx: json.non2xx,
          errors: json.errors,
          timeouts: json.timeouts,
        });
      } catch (e) {
        reject(
          new Error(`autocannon: unreadable output (${(e as Error).message}): ${out.slice(0, 500)} ${err}`),
        );
      }
    });
  });
}
