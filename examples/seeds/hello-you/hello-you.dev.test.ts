import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../../../test/support/python';
import {
  devUp,
  freePort,
  http,
  startDev,
  until,
  type Dev,
} from '../../../packages/dev/test/support/dev-session';

/**
 * Hello-you (Flask, psycopg, boto3) under `berth dev`, through the router. The app reads the contract alone:
 * `psycopg.connect()` for writes, DATABASE_READ_HOST for reads, FLASK_SECRET_KEY (an ECS secret in the cloud, a
 * local value here), `--port ${PORT}` in its command, and after a password rotation boto3's GetSecretValue on
 * DATABASE_SECRET_ARN against the Secrets Manager peer it finds through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
const CONFIG = join(import.meta.dirname, 'berth.config.ts');

let dev: Dev;
let state: string;
let port: number;

const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  const bin = dirname(python());
  state = mkdtempSync(join(tmpdir(), 'berth-hello-you-'));
  // FLASK_SECRET_KEY is generated (secrets.flask-secret-key): berth dev makes and keeps a local value, no secrets.json.
  port = await freePort();
  dev = startDev(CONFIG, state, port, { PATH: `${bin}:${process.env.PATH ?? ''}` });
  await devUp(dev, 'hello-you');
});

afterAll(async () => {
  await dev?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('hello-you (Flask) under berth dev', () => {
  it('gives the app a generated Flask key, kept 0600 in the state folder for the next run', () => {
    const file = join(state, 'generated-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(kept['flask-secret-key']).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('answers its health check through the router, on its host name', async () => {
    const res = await http(port, '/health', { host: `api.localhost:${port}` });
    expect(res.status, res.body).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(dev.output()).toMatch(/migrate +│ applied 001_greetings\.sql/);
  });

  it('a write on the primary is read back through the read host', async () => {
    const created = await http(port, '/greetings', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: ' Ada ' }),
    });
    expect(created.status, created.body).toBe(201);
    const { id, message } = created.json() as { id: number; message: string };
    expect(message).toBe('Hello, Ada!');
    const read = await http(port, `/greetings/${id}`);
    expect(read.status).toBe(200);
    expect(read.json()).toEqual({ id, message: 'Hello, Ada!' });
    expect((await http(port, `/greetings/${id + 1000}`)).status).toBe(404);
  });

  it('bad input is a 400 naming the field, never a 5xx', async () => {
    for (const body of [
      'not json',
      JSON.stringify({ name: '' }),
      JSON.stringify({ name: 'x'.repeat(81) }),
      '[]',
    ]) {
      const res = await http(port, '/greetings', { method: 'POST', headers: json, body });
      expect(res.status, body).toBe(400);
      expect(res.json().error).toMatch(/^name: expected/);
    }
  });

  it('survives `berth dev rotate`: boto3 re-reads the secret from the Secrets Manager peer and reconnects', async () => {
    const token = (JSON.parse(readFileSync(join(state, 'dev.json'), 'utf8')) as { token: string }).token;
    const rotated = await http(port, '/_berth/api/database/rotate', {
      method: 'POST',
      headers: { 'x-berth-token': token },
    });
    expect(rotated.status, rotated.body).toBe(200);
    // Every request opens a new connection, so the next one meets the new password with the task's old PGPASSWORD.
    const after = await http(port, '/greetings', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'Bob' }),
    });
    expect(after.status, after.body).toBe(201);
    await until('the re-read to be logged', () =>
      /api +│ database password rotated: re-read the secret, reconnecting/.test(dev.output()),
    );
    const { id } = after.json() as { id: number };
    expect((await http(port, `/greetings/${id}`)).json()).toEqual({ id, message: 'Hello, Bob!' });
    // The service never restarted: it recovered in place.
    const services = (await http(port, '/_berth/api/services')).json() as {
      name: string;
      restarts: number;
    }[];
    expect(services.find((s) => s.name === 'api')).toMatchObject({ restarts: 0 });
  });

  it("werkzeug's access lines show the requests made, never berth dev's own health checks", async () => {
    await new Promise((r) => setTimeout(r, 4_500));
    expect(dev.output()).toMatch(/"GET \/greetings\/\d+ HTTP\/1\.1" 200/);
    expect((dev.output().match(/"GET \/health HTTP\/1\.1" 200/g) ?? []).length).toBeLessThanOrEqual(1);
  });
});
