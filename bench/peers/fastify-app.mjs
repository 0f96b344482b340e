// The yardstick: talent's benchmarked routes on bare Fastify, written the way a Fastify + pg user writes them. One
// pg Pool of the runtime's size (10), the same SELECT, JSON schemas on params (validation) and on the response (the
// compiled serializer talent's routes get from their schemas too), one process, no logger (talent runs with
// LOG_LEVEL=silent in the benchmark). What talent costs beyond this is what the runtime costs.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ keepAliveTimeout: 65_000 });

const opportunity = {
  type: 'object',
  required: ['id', 'title', 'description', 'closesAt', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    title: { type: 'string' },
    description: { type: 'string' },
    closesAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

app.get('/health', async () => ({ status: 'ok' }));

app.get('/ready', async (request, reply) => {
  try {
    await pool.query('SELECT 1');
    return { status: 'ok' };
  } catch {
    return reply.code(503).send({ status: 'unavailable' });
  }
});

app.get(
  '/opportunities/:id',
  {
    schema: {
      params: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
        },
      },
      response: { 200: opportunity },
    },
  },
  async (request, reply) => {
    const { rows } = await pool.query(
      'select id, title, description, closes_at, created_at from opportunities where id = $1',
      [request.params.id],
    );
    const row = rows[0];
    if (!row) return reply.code(404).send({ error: 'Opportunity not found' });
    return {
      id: row.id,
      title: row.title,
      description: row.description,
      closesAt: row.closes_at ? row.closes_at.toISOString() : null,
      createdAt: row.created_at.toISOString(),
    };
  },
);

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });

process.on('SIGTERM', () => {
  app.close().then(() => pool.end().then(() => process.exit(0)));
});
