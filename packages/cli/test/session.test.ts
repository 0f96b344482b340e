import { describe, expect, it } from 'vitest';
import { spawnAttached, which } from '../src/ops/session';

describe('the session-manager-plugin runner', () => {
  it('finds a program on PATH as command -v does, and nothing for one that is not there', async () => {
    expect(await which('sh')).toMatch(/\/sh$/);
    expect(await which('session-manager-plugin-that-does-not-exist')).toBeUndefined();
  });

  it("runs a program on this terminal and resolves with its exit code, leaving berth's signal handlers as they were", async () => {
    const before = process.listenerCount('SIGINT');
    expect(await spawnAttached('sh', ['-c', 'exit 3'])).toEqual({ code: 3 });
    expect(await spawnAttached('sh', ['-c', 'exit 0'])).toEqual({ code: 0 });
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('rejects when the program cannot be started', async () => {
    await expect(spawnAttached('/nonexistent/session-manager-plugin', [])).rejects.toThrow(/ENOENT/);
  });
});
