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
