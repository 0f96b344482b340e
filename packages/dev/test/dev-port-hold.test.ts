import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support';
import { startMailEvents } from '../src/peers/sns-sqs/mail-events';
import { holdPort } from '../src/session/ports';
import { startS3 } from '../src/peers/s3/s3';

const KEYS = { accessKeyId: 'AKIDBERTHDEVHOLD0001', secretAccessKey: 'berth-dev-hold-secret-0123456789' };

describe('a held port: the in-process peers load while migrations run, and nobody is refused meanwhile', () => {
  it('GIVEN a request sent while the port is held WHEN the server takes over THEN that request is answered by it', async () => {
    const hold = await holdPort(await freePort());
    const early = fetch(`http://127.0.0.1:${hold.port}/early`).then(
      async (r) => `${r.status} ${await r.text()}`,
    );
    await new Promise((r) => setTimeout(r, 150));
    const server = createServer((req, res) => res.end(`served ${req.url}`));
    const taken = await hold.handTo(
      () => new Promise((resolve) => server.listen(hold.port, '127.0.0.1', () => resolve(server))),
    );
    try {
      expect(taken).toBe(server);
      expect(await early).toBe('200 served /early');
      const late = await fetch(`http://127.0.0.1:${hold.port}/late`);
      expect(await late.text()).toBe('served /late');
    } finally {
      server.close();
    }
  });

  it('GIVEN the preferred port is taken THEN another one is held; a release closes the connections that waited', async () => {
    const taken = await holdPort(await freePort());
    const hold = await holdPort(taken.port);
    expect(hold.port).not.toBe(taken.port);
    taken.release();
    const closed = new Promise<string>((resolve) => {
      const socket = connect(hold.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
      socket.on('close', () => resolve('closed'));
      socket.on('error', () => undefined);
    });
    await new Promise((r) => setTimeout(r, 100));
    hold.release();
    expect(await closed).toBe('closed');
    // Released: the port is free again.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(hold.port, '127.0.0.1', () => resolve());
    });
    server.close();
  });

  it('GIVEN s3rver still loading WHEN a client asks THEN s3rver answers it once up (here: the gate refuses it unsigned)', async () => {
    const hold = await holdPort(await freePort());
    const early = fetch(`http://127.0.0.1:${hold.port}/any-bucket`);
    const s3 = await startS3({
      dir: join(mkdtempSync(join(tmpdir(), 'berth-hold-')), 's3'),
      port: hold,
      buckets: {},
      credentials: KEYS,
    });
    try {
      const res = await early;
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(
        /<Code>AccessDenied<\/Code><Message>berth dev: the request is not signed/,
      );
    } finally {
      await s3.stop();
    }
  });

  it('the mail-events queue URL the services are given before the emulator is up is the one it creates', async () => {
    const hold = await holdPort(await freePort());
    const events = await startMailEvents({
      port: hold,
      region: 'us-east-1',
      name: 'hold-mail-events',
      credentials: KEYS,
    });
    try {
      expect(events.queueUrl).toBe(
        `http://sqs.us-east-1.localhost:${hold.port}/000000000000/hold-mail-events`,
      );
      expect(await events.depth()).toEqual({ waiting: 0, inFlight: 0 });
    } finally {
      await events.stop();
    }
  });
});
