import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { contractFor, routeOrder, type ResolvedApp } from '@berthjs/config';

/**
 * What a saved `berth.config.ts` changes in a running `berth dev`: what it can apply live (new buckets, jobs, routes,
 * a service's env or dev command → that service restarts) and what only a new run picks up (the peers' shape,
 * services added or removed, ports).
 */
export interface ConfigChange {
  readonly addedBuckets: readonly string[];
  readonly jobs: boolean;
  readonly routes: boolean;
  /** Services whose env, command or health settings changed: restarted with the new ones. */
  readonly restart: readonly string[];
  /** What changed that this run cannot apply, in words. */
  readonly needsRestart: readonly string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function planChange(current: ResolvedApp, next: ResolvedApp): ConfigChange {
  const needsRestart: string[] = [];
  for (const key of ['database', 'cache', 'mail', 'auth', 'region'] as const) {
    if (!same(current[key], next[key])) needsRestart.push(key);
  }
  const before = Object.keys(current.services);
  const after = Object.keys(next.services);
  for (const s of after.filter((s) => !before.includes(s))) needsRestart.push(`service ${s} added`);
  for (const s of before.filter((s) => !after.includes(s))) needsRestart.push(`service ${s} removed`);
  const removedBuckets = Object.keys(current.buckets).filter((b) => !(b in next.buckets));
  for (const b of removedBuckets) needsRestart.push(`bucket ${b} removed (its local data is kept)`);
  if (Object.keys(current.buckets).length === 0 && Object.keys(next.buckets).length > 0)
    needsRestart.push('the first bucket (local S3 starts with berth dev)');
  const addedBuckets = Object.keys(next.buckets).filter((b) => !(b in current.buckets));
  for (const b of Object.keys(current.buckets).filter((b) => b in next.buckets)) {
    if (!same(current.buckets[b], next.buckets[b])) needsRestart.push(`bucket ${b} settings (CORS)`);
  }

  const restart: string[] = [];
  for (const name of after.filter((s) => before.includes(s))) {
    const a = current.services[name]!;
    const b = next.services[name]!;
    if (a.port !== b.port) needsRestart.push(`service ${name} port`);
    const contract = (r: ResolvedApp) => contractFor(r, name).variables;
    if (!same(contract(current), contract(next)) || !same(a.dev, b.dev) || a.healthPath !== b.healthPath)
      restart.push(name);
  }
  return {
    addedBuckets: Object.keys(current.buckets).length === 0 ? [] : addedBuckets,
    jobs: !same(current.jobs, next.jobs),
    routes: !same(routeOrder(current), routeOrder(next)),
    restart,
    needsRestart,
  };
}

/**
 * Calls `onSave` after the file is written (debounced: editors write in several steps). Watches the folder, since
 * editors that save by rename replace the file a watch on it would follow.
 */
export function watchFile(file: string, onSave: () => void, debounceMs = 200): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(file), (_event, name) => {
    if (name && String(name) !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onSave, debounceMs);
  });
  watcher.on('error', () => watcher.close());
  return watcher;
}
