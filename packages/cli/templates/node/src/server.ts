import { createRuntime, serve } from '@berthjs/runtime';
import { buildApp } from './app.ts';

// The runtime reads the Berth contract from the environment (berth dev and ECS write the same names).
const runtime = createRuntime();
await serve(buildApp(runtime), runtime);
