// The ceiling: node:http answering a fixed JSON body, nothing else. Any framework can only be slower than this.
import { createServer } from 'node:http';

const body = JSON.stringify({ status: 'ok' });
const server = createServer((req, res) => {
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
