import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

async function sources(): Promise<Array<{ file: string; text: string }>> {
  const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts'));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(join(SRC, file), 'utf8') })));
}

// Static `import ... from 'x'` lines that are not `import type`.
function valueImports(text: string): string[] {
  return [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('the runtime stays small', () => {
  it('imports nothing from @berthjs/config but the contract', async () => {
    for (const { file, text } of await sources()) {
      const fromConfig = [...text.matchAll(/from\s+'(@berthjs\/config[^']*)'/g)].map((m) => m[1]);
      for (const spec of fromConfig) expect(`${file}: ${spec}`).toBe(`${file}: @berthjs/config/contract`);
    }
  });

  it('loads the AWS SDK and ioredis only with import() (off the start-up path)', async () => {
    for (const { file, text } of await sources()) {
      const eager = valueImports(text).filter((spec) => spec.startsWith('@aws-sdk/') || spec === 'ioredis');
      expect(eager, file).toEqual([]);
    }
  });
});

describe('the contract entry the runtime reaches', () => {
  // esbuild's own module graph (what a bundle of the app, like talent's dist/, would hold): the schema side of
  // @berthjs/config (zod) once reached the runtime through profiles.ts and cost talent's server ~11 MB at idle.
  it('pulls in no npm package (no zod) when bundled', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../config/src/contract.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const external = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.filter((x) => x.external && !x.path.startsWith('node:')).map((x) => x.path),
    );
    expect(inputs.some((f) => f.endsWith('contract-table.ts'))).toBe(true);
    expect(external).toEqual([]);
    expect(inputs.filter((f) => f.endsWith('load-balancing.ts') || f.includes('schema'))).toEqual([]);
  });
});
