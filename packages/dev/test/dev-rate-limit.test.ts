import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineApp,
  rateLimitedResponse,
  resolve,
  routeOrder,
  type AppConfig,
  type ResolvedApp,
} from '@berthjs/config';
import type { LoadedConfig } from '@berthjs/config/load';
import { printSummary } from '../src/terminal/summary';
import { Terminal } from '../src/terminal/terminal';
import { DEFAULT_LIMITS, routerHandler, routerServer, type RouterTarget } from '../src/router/router';
import { RateLimiter, rateLimiterFor, wafSummary } from '../src/router/rate-limit';
import type { ServiceProcess } from '../src/session/service';

// GIVEN an environment with edge.waf on (rateLimit 10 per 60 s, the smallest AWS allows) WHEN requests go through
// the real router to a real upstream THEN the 11th from one address gets the cloud's 429, and nothing else does.
const config = defineApp({
  name: 'site',
  region: 'us-east-1',
  services: { api: { port: 3000, hosts: ['api'], default: true } },
  environments: {
    dev: {},
    prod: {
      account: '111111111111',
      overrides: { edge: { domain: 'site.example.com', waf: { rateLimit: 10, rateWindow: 60 } } },
    },
  },
} as AppConfig);
const prod = resolve(config, 'prod');

let upstream: Server;
let router: Server;
let routerPort: number;
let clock = 1_000_000_000_000;
const limiter = rateLimiterFor(prod.edge.waf, () => clock)!;

const listen = (s: Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('ok'));
  const upstreamPort = await listen(upstream);
  const api = {
    status: 'healthy',
    spec: { port: upstreamPort },
    waitHealthy: () => Promise.resolve(true),
  } as unknown as ServiceProcess;
  const target = (): RouterTarget => ({
    rules: routeOrder(prod),
    defaultService: prod.defaultService,
    services: new Map([['api', api]]),
    port: routerPort,
    limits: DEFAULT_LIMITS,
    rateLimit: limiter,
  });
  router = routerServer(
    routerHandler({ target, console: () => undefined, appHosts: new Set() }),
    DEFAULT_LIMITS,
  );
  routerPort = await listen(router);
});
afterAll(() => {
  router?.closeAllConnections();
  router?.close();
  upstream?.close();
});

/** One GET through the router, from `from` (any 127.0.0.0/8 address is this machine's). */
function get(path: string, from = '127.0.0.1') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: routerPort,
        path,
        localAddress: from,
        headers: { host: `localhost:${routerPort}` },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

describe('berth dev: edge.waf rate limit through the router', () => {
  it('resolves on in prod (block mode) and off in dev', () => {
    expect(prod.edge.waf).toMatchObject({ mode: 'block', rateLimit: 10, rateWindowSeconds: 60 });
    expect(rateLimiterFor(resolve(config, 'dev').edge.waf)).toBeUndefined();
  });

  it('lets 10 requests from one address through, answers the 11th with the ACL’s 429, and the console stays open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await get('/items', '127.0.0.1')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const limited = await get('/items', '127.0.0.1');
    const cloud = rateLimitedResponse(prod.edge.waf!);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['content-type']).toBe('text/plain');
    expect(limited.body).toBe(cloud.body);
    expect(limited.body).toMatch(/more than 10 requests from your IP address in 60 seconds/);
    // /_berth is Berth's own (not the app's, and not behind a WAF in the cloud): never limited. No console state → 503.
    expect((await get('/_berth/api/app', '127.0.0.1')).status).toBe(503);
  });

  it('keys on the client address: another one is not limited', async () => {
    expect((await get('/items', '127.0.0.2')).status).toBe(200);
    expect((await get('/items', '127.0.0.1')).status).toBe(429);
  });

  it('lets the address through again once its requests have left the 60 s window', async () => {
    clock += 59_000;
    expect((await get('/items', '127.0.0.1')).status).toBe(429);
    clock += 2_000;
    expect((await get('/items', '127.0.0.1')).status).toBe(200);
  });
});

describe('RateLimiter', () => {
  it('counts a sliding window: requests older than the window stop counting, one second at a time', () => {
    let now = 0;
    const l = new RateLimiter({ rateLimit: 3, rateWindowSeconds: 60 }, () => now);
    expect([l.limited('a'), l.limited('a')]).toEqual([false, false]);
    now = 30_000;
    expect([l.limited('a'), l.limited('a')]).toEqual([false, true]);
    now = 60_000; // the first two (second 0) have left the window; seconds 30 holds two
    expect(l.limited('a')).toBe(false);
    expect(l.limited('a')).toBe(true);
  });

  it('count mode limits nothing locally, and the summary says which', () => {
    const count = resolve(
      {
        ...config,
        environments: {
          prod: {
            account: '111111111111',
            overrides: { edge: { domain: 'site.example.com', waf: { mode: 'count' } } },
          },
        },
      } as AppConfig,
      'prod',
    );
    expect(rateLimiterFor(count.edge.waf)).toBeUndefined();
    expect(wafSummary(count.edge.waf)).toMatch(/count mode: nothing is limited/);
    expect(wafSummary(null)).toBeUndefined();
  });

  it('the start-up summary names the limit when edge.waf is on, and says nothing when it is off', () => {
    const printed = (resolved: ResolvedApp) => {
      let text = '';
      const out = { isTTY: false, write: (t: string) => (text += t) } as unknown as NodeJS.WriteStream;
      printSummary(new Terminal(out), {
        resolved,
        loaded: { path: 'berth.config.ts' } as LoadedConfig,
        stateDir: '.berth',
        routerPort: 4000,
        services: new Map(),
        scheduler: undefined,
        startedAt: Date.now(),
      });
      return text;
    };
    expect(printed(prod)).toMatch(
      /waf +edge\.waf rate limit: 10 requests per 60 s per client IP, then 429 \(the console is not limited/,
    );
    expect(printed(resolve(config, 'dev'))).not.toMatch(/waf/);
  });
});
