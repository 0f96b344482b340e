import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRuntime, serve } from '@berthjs/runtime';
import { buildApp } from './app';

// In the bundle (dist/server.js) swagger-ui's files sit beside it in dist/static; from src/ they are in node_modules.
const bundledDocs = fileURLToPath(new URL('./static', import.meta.url));

const runtime = createRuntime();
const app = buildApp({ runtime, ...(existsSync(bundledDocs) ? { docsStaticDir: bundledDocs } : {}) });
await serve(app, runtime);
