import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Spawns `command` as the leader of its own process group, so a stop reaches everything it started (a shell, npm,
 * tsx's worker) and Ctrl-C on the terminal reaches berth alone, which then stops children in order.
 */
export function spawnGroup(
  command: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>> },
): ChildProcess {
  const [file, ...args] = command;
  if (!file) throw new Error('empty command');
  return spawn(file, args, {
    cwd: options.cwd,
    env: { ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Sends a signal to the child's whole group; false when the group is gone. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * SIGTERM to the group, then SIGKILL after `timeoutSeconds` (what ECS does with the task's stop timeout); a final
 * SIGKILL to the group takes down anything the leader left behind.
 */
export async function stopGroup(child: ChildProcess, timeoutSeconds: number): Promise<void> {
  if (!hasExited(child)) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signalGroup(child, 'SIGKILL');
          resolve();
        }, timeoutSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    if (!hasExited(child)) await exited;
  }
  signalGroup(child, 'SIGKILL');
}
