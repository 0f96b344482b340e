import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real git repository in a temporary folder, as a team's promotion flow leaves it. */
export interface MergeRepo {
  readonly dir: string;
  /** The commit the source branch (`development`) deployed. */
  readonly sourceCommit: string;
  /** The merge commit on `main` that brings exactly that content (`git merge --no-ff development`). */
  readonly mergeCommit: string;
  /** `git <args>` in the repository; its stdout, trimmed. */
  git(...args: string[]): string;
}

/**
 * main at a base commit; `development` one commit ahead (an app change); then main merges it with a merge commit
 * (`--no-ff`, as a pull request's merge button does), so main's HEAD has its own commit hash and dev's tree.
 */
export function mergeRepo(): MergeRepo {
  const dir = mkdtempSync(join(tmpdir(), 'berth-merge-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Berth Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Berth Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: dir,
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'app.ts'), 'export const version = 1;\n');
  git('add', 'app.ts');
  git('commit', '-q', '-m', 'base');
  git('checkout', '-q', '-b', 'development');
  writeFileSync(join(dir, 'app.ts'), 'export const version = 2;\n');
  git('commit', '-q', '-am', 'version 2');
  const sourceCommit = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  git('merge', '-q', '--no-ff', '-m', 'Merge development', 'development');
  const mergeCommit = git('rev-parse', 'HEAD');
  return { dir, sourceCommit, mergeCommit, git };
}
