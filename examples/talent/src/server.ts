import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRuntime, serve } from '@berthjs/runtime';
import { apiDocsFlag, buildApp } from './app';

// In the bundle (dist/server.js) swagger-ui's files sit beside it in dist/static; from src/ they are in node_modules.
const bundledDocs = fileURLToPath(new URL('./static', import.meta.url));

const runtime = createRuntime();
// The API docs only where berth.config.ts sets API_DOCS=on (dev and staging): none in prod.
const docs = apiDocsFlag(process.env.API_DOCS);
const app = buildApp({
  runtime,
  docs,
  ...(docs && existsSync(bundledDocs) ? { docsStaticDir: bundledDocs } : {}),
});
await serve(app, runtime);
