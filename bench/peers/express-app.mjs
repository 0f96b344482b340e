// The peer: the same API written plainly, the way an Express 5 + pg backend usually is: express.json(), one pg
// Pool of the same size as the runtime's, the same SELECT, one process. No cache, no validation library, no logger
// (talent runs with LOG_LEVEL=silent in the benchmark too).
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = express();
app.use(express.json());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toOpportunity(row) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    closesAt: row.closes_at ? row.closes_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

app.get('/health', (req, res) => {
  res.json({ status: 'ok' });
});

app.get('/ready', async (req, res) => {
  try {
    await pool.query('SELECT 1');
    res.json({ status: 'ready' });
  } catch {
    res.status(503).json({ status: 'unavailable' });
  }
});

app.get('/opportunities', async (req, res) => {
  const { rows } = await pool.query(
    'select id, title, description, closes_at, created_at from opportunities order by created_at desc, id limit 200',
  );
  res.json(rows.map(toOpportunity));
});

app.get('/opportunities/:id', async (req, res) => {
  if (!UUID.test(req.params.id)) return res.status(400).json({ error: 'Invalid id' });
  const { rows } = await pool.query(
    'select id, title, description, closes_at, created_at from opportunities where id = $1',
    [req.params.id],
  );
  if (rows.length === 0) return res.status(404).json({ error: 'Opportunity not found' });
  res.json(toOpportunity(rows[0]));
});

app.use((err, req, res, _next) => {
  console.error(err);
  res.status(500).json({ error: 'Internal server error' });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '0.0.0.0', () => console.log(`express peer listening on ${port}`));

process.on('SIGTERM', () => {
  server.close(() => pool.end().then(() => process.exit(0)));
});
