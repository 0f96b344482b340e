import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The source revision an image is tagged with. */
export interface SourceRevision {
  /** `git rev-parse --short HEAD`. */
  shortSha(cwd: string): Promise<string>;
  /** Uncommitted changes (tracked or untracked, ignoring what .gitignore hides). */
  isDirty(cwd: string): Promise<boolean>;
}

export const gitRevision: SourceRevision = {
  async shortSha(cwd) {
    return (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })).stdout.trim();
  },
  async isDirty(cwd) {
    return (await run('git', ['status', '--porcelain'], { cwd })).stdout.trim().length > 0;
  },
};
