import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The source revision an image is tagged with: the hash of HEAD's tree, not of the commit. Identical content gives
 * the identical tag, so a merge commit that brings exactly what another branch deployed (a promoted environment's
 * `imagesFrom`) finds that branch's image, though its commit hash differs. At least 12 hex digits: `--short` alone
 * takes core.abbrev, whose default grows with the clone's object count, so a shallow CI clone and a full one would
 * disagree; `--short=12` is lengthened only when 12 digits are ambiguous among the clone's objects
 * (https://git-scm.com/docs/git-rev-parse#Documentation/git-rev-parse.txt---shortlength,
 * https://git-scm.com/docs/git-config#Documentation/git-config.txt-coreabbrev).
 */
export const TREE_TAG_COMMAND = ['rev-parse', '--short=12', 'HEAD^{tree}'] as const;

export interface SourceRevision {
  /** `git rev-parse --short=12 HEAD^{tree}`: the image tag of the committed content. */
  shortSha(cwd: string): Promise<string>;
  /** Uncommitted changes (tracked or untracked, ignoring what .gitignore hides). */
  isDirty(cwd: string): Promise<boolean>;
}

export const gitRevision: SourceRevision = {
  async shortSha(cwd) {
    return (await run('git', [...TREE_TAG_COMMAND], { cwd })).stdout.trim();
  },
  async isDirty(cwd) {
    return (await run('git', ['status', '--porcelain'], { cwd })).stdout.trim().length > 0;
  },
};
