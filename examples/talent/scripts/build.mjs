// Bundles src/server.ts and src/job.ts (with @berthjs/runtime, @berthjs/config and every npm dependency) into dist/,
// so the container image needs `node` and dist/ only. Reproducible: no timestamps, no minified names to diff.
import { build } from 'esbuild';
import { cp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

await rm(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts', 'src/job.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  // The workspace packages from their TypeScript sources (the published ones resolve to dist/ without it).
  conditions: ['berth-source'],
  format: 'esm',
  target: 'node20',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'linked',
  // pg's optional native binding; never installed, only probed.
  external: ['pg-native'],
  // CommonJS dependencies (fastify, pg, ioredis…) call require() and use __dirname inside an ES module bundle.
  banner: {
    js: [
      "import { createRequire as __berthCreateRequire } from 'node:module';",
      "import { fileURLToPath as __berthFileURLToPath } from 'node:url';",
      "import { dirname as __berthDirname } from 'node:path';",
      'const require = __berthCreateRequire(import.meta.url);',
      'const __filename = __berthFileURLToPath(import.meta.url);',
      'const __dirname = __berthDirname(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
});

// dist/ runs on its own (the image copies only dist/): its .js files are ES modules.
await writeFile(join(dist, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');

// swagger-ui serves its page from files; the app points `baseDir` at this copy when it runs from the bundle.
const swaggerUi = dirname(require.resolve('@fastify/swagger-ui/package.json', { paths: [root] }));
await cp(join(swaggerUi, 'static'), join(dist, 'static'), { recursive: true });
