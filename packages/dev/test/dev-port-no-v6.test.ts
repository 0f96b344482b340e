import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { closeRouter, listenRouter } from '../src/router/listen';
import { DEFAULT_LIMITS } from '../src/router/router';
import type * as Ports from '../src/session/ports';

// A machine without an IPv6 loopback (a container or kernel without it), as hasLoopbackV6 finds it.
vi.mock('../src/session/ports', async (original) => ({
  ...(await original<typeof Ports>()),
  hasLoopbackV6: () => Promise.resolve(false),
}));

describe('no IPv6 loopback', () => {
  it('the router listens on 127.0.0.1 alone, and says so', async () => {
    const listening = await listenRouter(0, true, (_q, res) => res.end('berth'), DEFAULT_LIMITS);
    try {
      expect(listening.servers).toHaveLength(1);
      expect(listening.warnings).toEqual([
        'this machine has no IPv6 loopback (::1): the router and the peers listen on 127.0.0.1 only (localhost can only reach them there)',
      ]);
      const port = (listening.servers[0]!.address() as { port: number }).port;
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(body).toBe('berth');
    } finally {
      closeRouter(listening.servers);
    }
  });
});
