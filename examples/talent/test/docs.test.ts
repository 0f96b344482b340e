import { spawn } from 'node:child_process';
import { join, resolve as resolvePath } from 'node:path';
import { resolve } from '@berthjs/config';
import { createRuntime } from '@berthjs/runtime';
import { describe, expect, it } from 'vitest';
import { contractEnv, freePort } from '../../../test/support';
import config from '../berth.config';
import { API_DOCS, apiDocsFlag, buildApp } from '../src/app';

const APP = resolvePath(import.meta.dirname, '..');
/** A database nobody connects to: /health and /docs never query it. */
const DATABASE_SECRET = JSON.stringify({
  username: 'talent',
  password: 'unused',
  host: '127.0.0.1',
  port: 1,
  dbname: 'talent',
});

// GIVEN the talent app WHEN it runs in prod THEN it serves no API docs (the OpenAPI document maps every route and
// schema for anyone who asks); in dev and staging, where berth.config.ts says API_DOCS=on, it does.

describe('talent API docs: only where the config says', () => {
  it('berth.config.ts sets API_DOCS=on for dev and staging, off for prod', () => {
    expect(resolve(config, 'dev').services.api!.env[API_DOCS]).toBe('on');
    expect(resolve(config, 'staging').services.api!.env[API_DOCS]).toBe('on');
    expect(resolve(config, 'prod').services.api!.env[API_DOCS]).toBe('off');
    expect(apiDocsFlag(resolve(config, 'prod').services.api!.env[API_DOCS])).toBe(false);
  });

  it('API_DOCS: on/true/1 serve them; unset, empty, off/false/0 do not; anything else stops the start', () => {
    for (const on of ['on', 'ON', 'true', '1', ' on ']) expect(apiDocsFlag(on), on).toBe(true);
    for (const off of [undefined, '', 'off', 'false', '0']) expect(apiDocsFlag(off), String(off)).toBe(false);
    for (const bad of ['yes please', 'enabled', 'prod'])
      expect(() => apiDocsFlag(bad), bad).toThrow(/API_DOCS: expected 'on' or 'off'/);
  });

  const app = (docs?: boolean) =>
    buildApp({
      runtime: createRuntime({
        env: contractEnv({ buckets: 'resumes=talent-resumes', MAIL_FROM: 'a@example.com', DATABASE_SECRET }),
      }),
      authenticate: () => Promise.reject(new Error('no route here needs a principal')),
      ...(docs === undefined ? {} : { docs }),
    });
  const DOCS = ['/docs', '/docs/json', '/docs/yaml', '/docs/static/index.html'];

  it('buildApp serves no docs by default or with docs: false (404, like any unknown path)', async () => {
    for (const a of [app(), app(false)]) {
      for (const url of DOCS) expect((await a.inject({ url })).statusCode, url).toBe(404);
      expect((await a.inject({ url: '/health' })).statusCode).toBe(200);
      await a.close();
    }
  });

  it('buildApp with docs: true serves the document and the page', async () => {
    const a = app(true);
    expect((await a.inject({ url: '/docs/json' })).json()).toMatchObject({
      openapi: expect.stringMatching(/^3\./),
    });
    expect([200, 302]).toContain((await a.inject({ url: '/docs' })).statusCode);
    await a.close();
  });

  it('the server started as in prod (API_DOCS off, or unset) answers 404 on /docs; with API_DOCS=on, 200', async () => {
    const serve = async (extra: Record<string, string>) => {
      const port = await freePort();
      const env = {
        ...contractEnv({
          BERTH_APP: 'talent',
          BERTH_STAGE: 'prod',
          BERTH_PROFILE: 'prod',
          buckets: 'resumes=talent-resumes',
          MAIL_FROM: 'Talent <no-reply@talent.example.com>',
          AUTH_ISSUER: 'https://auth.talent.example.com/',
          AUTH_AUDIENCE: 'talent-api',
          AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks',
          DATABASE_SECRET,
        }),
        PORT: String(port),
        PATH: process.env.PATH,
        ...extra,
      };
      const child = spawn(
        process.execPath,
        ['--conditions=berth-source', '--import', 'tsx', join('src', 'server.ts')],
        {
          cwd: APP,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      try {
        const base = `http://127.0.0.1:${port}`;
        await expect
          .poll(
            () =>
              fetch(`${base}/health`).then(
                (r) => r.status,
                () => 0,
              ),
            { timeout: 20_000, interval: 200 },
          )
          .toBe(200)
          .catch((err: Error) => {
            throw new Error(`${err.message}\n${output}`);
          });
        return await Promise.all(
          DOCS.map((p) => fetch(`${base}${p}`, { redirect: 'manual' }).then((r) => r.status)),
        );
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
      }
    };
    expect(await serve({ API_DOCS: 'off' })).toEqual([404, 404, 404, 404]);
    expect(await serve({})).toEqual([404, 404, 404, 404]);
    const on = await serve({ API_DOCS: 'on' });
    expect(on[1]).toBe(200);
    expect([200, 302]).toContain(on[0]);
  });
});
