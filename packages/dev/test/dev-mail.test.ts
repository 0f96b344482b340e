import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleToken, devUp, freePort, http, ROOT, startDev, until, type Dev } from './support/dev-session';

const FIXTURE = join(ROOT, 'packages/dev/test/fixtures/dev-mail/berth.config.ts');

describe('berth dev: a bounce or complaint marked in the console suppresses the address (SNS → SQS → the runtime)', () => {
  let port: number;
  let dev: Dev;

  beforeAll(async () => {
    const state = mkdtempSync(join(tmpdir(), 'berth-dev-mail-'));
    port = await freePort();
    dev = startDev(FIXTURE, state, port);
    await devUp(dev, 'postie');
  }, 130_000);

  afterAll(async () => {
    await dev?.stop();
  });

  const send = async (to: string) => {
    const res = await http(port, '/send', {
      method: 'POST',
      host: `api.localhost:${port}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to }),
    });
    expect(res.status, res.body).toBe(200);
    return res.json().status as string;
  };
  const outboxTo = async (address: string) =>
    ((await http(port, '/_berth/api/mail')).json() as { id: string; to: string[] }[]).filter((m) =>
      m.to.includes(address),
    );
  // The script token from dev.json (the console page no longer carries one).
  const token = async () => consoleToken(port)!;

  it('send → mark bounced → send again: suppressed, and the outbox holds only what was sent before', async () => {
    expect(await send('ada@example.com')).toBe('sent');
    const [message] = await outboxTo('ada@example.com');
    expect(message).toBeDefined();

    // The guard: no token, no state change.
    const path = `/_berth/api/mail/${encodeURIComponent(message!.id)}/bounce`;
    expect((await http(port, path, { method: 'POST', anonymous: true })).status).toBe(401);
    const marked = await http(port, path, { method: 'POST', headers: { 'x-berth-token': await token() } });
    expect(marked.status, marked.body).toBe(202);
    expect(marked.json()).toMatchObject({ event: 'Bounce', recipients: ['ada@example.com'] });

    // The service drains the queue in the background, as in the cloud: sends before that still go out (each one
    // counted), the first send after it is suppressed and adds nothing to the outbox.
    let sent = 1;
    await until('the bounce to be drained', async () => {
      const status = await send('ada@example.com');
      if (status === 'sent') sent++;
      return status === 'suppressed' ? true : undefined;
    });
    expect(await outboxTo('ada@example.com')).toHaveLength(sent);
    // The service's log, as berth dev shows it, says why nothing was sent.
    await until('the log lines', async () =>
      /mail: address suppressed/.test(dev.output()) &&
      /mail: skipped, recipient is suppressed/.test(dev.output())
        ? true
        : undefined,
    );
  }, 90_000);

  it('mark complained works the same way; an unknown message is a 404', async () => {
    expect(await send('bob@example.com')).toBe('sent');
    const [message] = await outboxTo('bob@example.com');
    const headers = { 'x-berth-token': await token() };
    const res = await http(port, `/_berth/api/mail/${encodeURIComponent(message!.id)}/complaint`, {
      method: 'POST',
      headers,
    });
    expect(res.status, res.body).toBe(202);
    await until('the complaint to be drained', async () =>
      (await send('bob@example.com')) === 'suppressed' ? true : undefined,
    );
    expect((await http(port, '/_berth/api/mail/nope/bounce', { method: 'POST', headers })).status).toBe(404);
    expect((await http(port, `/_berth/api/mail/${encodeURIComponent(message!.id)}/bounce`)).status).toBe(405);
    // A message the allow-list dropped never reached SES, so it cannot bounce.
    expect(await send('eve@elsewhere.org')).toBe('dropped');
    const dropped = await until('the dropped message in the outbox', async () =>
      ((await http(port, '/_berth/api/mail')).json() as { id: string; status: string }[]).find(
        (m) => m.status === 'dropped',
      ),
    );
    const refused = await http(port, `/_berth/api/mail/${encodeURIComponent(dropped.id)}/bounce`, {
      method: 'POST',
      headers,
    });
    expect(refused.status, refused.body).toBe(409);
    // Someone never marked is still sent to.
    expect(await send('cy@example.com')).toBe('sent');
  }, 90_000);
});
