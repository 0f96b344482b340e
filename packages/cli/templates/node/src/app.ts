import Fastify, { type FastifyInstance } from 'fastify';
import { berth, fastifyOptions, type Runtime } from '@berthjs/runtime';

/** A greeting, kept apart from HTTP so it is testable on its own. */
export function greeting(name: string | undefined): { message: string } {
  return { message: `Hello, ${name?.trim() || 'world'}!` };
}

/** Builds the HTTP app without listening: server.ts serves it, tests inject() into it. */
export function buildApp(runtime: Runtime): FastifyInstance {
  const app = Fastify({ ...fastifyOptions(runtime) });
  // Request ids, /health and /ready (with a database ping), error mapping, graceful shutdown.
  app.register(berth, { runtime });
  app.get<{ Querystring: { name?: string } }>('/hello', async (req) => greeting(req.query.name));
  app.get('/time', async () => {
    const { rows } = await runtime.db.query<{ now: Date }>('select now() as now');
    return { now: rows[0]?.now };
  });
  return app;
}
