#!/usr/bin/env node
// Installed from the registry, `berth` runs the compiled dist/. Inside the Berth repository (src/ beside bin/, which
// the published package does not ship) it runs the TypeScript sources through tsx, resolving the workspace
// packages to their sources with the `berth-source` export condition; child processes (services under
// `berth dev`) inherit the condition through NODE_OPTIONS.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const condition = '--conditions=berth-source';
  if (!(process.env.NODE_OPTIONS ?? '').includes(condition)) {
    const { register } = await import('node:module');
    register(
      'data:text/javascript,' +
        encodeURIComponent(
          `export async function resolve(s, c, next) {
             return next(s, c.conditions.includes('berth-source') ? c : { ...c, conditions: [...c.conditions, 'berth-source'] });
           }`,
        ),
    );
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${condition}`.trim();
  }
  const { register } = await import('tsx/esm/api');
  register();
  // load.ts then imports berth.config.ts into this module graph instead of registering tsx again.
  globalThis[Symbol.for('berth.tsx-registered')] = true;
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/main.js'));
}
process.exitCode = await main(process.argv);
