import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { berth, createRuntime, fastifyOptions } from '../src/index';
import { contractEnv } from '../../../test/support';
import { captureLog } from './support/log';

describe('fastifyOptions', () => {
  it('starts quietly: no Fastify deprecation warning (FSTDEP023/024) from Berth’s own options', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const { log: logger, lines } = captureLog({ service: 'api' });
      const runtime = createRuntime({ env: contractEnv({}), logger });
      const app = Fastify(fastifyOptions(runtime));
      await app.register(berth, { runtime });
      app.get('/x', async () => ({ ok: true }));
      const res = await app.inject({ url: '/x', headers: { 'x-request-id': 'quiet-1' } });
      expect(res.statusCode).toBe(200);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => /FSTDEP/.test(w))).toEqual([]);
      // Still one access line per request, labelled with the request id, and none of Fastify's own two.
      const access = lines.filter((l) => l.requestId === 'quiet-1');
      expect(access.map((l) => l.msg)).toEqual(['request']);
      await app.close();
      await runtime.close();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
