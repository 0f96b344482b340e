import { defineJob, type Logger, type Runtime, type StoredObject } from '@berthjs/runtime';
import { ORPHAN_AFTER_MS, RESUME } from '../domain';
import { referencedResumeKeys } from '../store';

const BATCH = 500;

export interface PurgeOptions {
  /** The clock; tests move it forward instead of back-dating objects. @default - new Date() */
  readonly now?: Date;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Deletes résumé objects no application references and that are older than 24 hours. Younger ones are kept: an
 * upload may be in flight between the presign (which records the key) and the PUT, or a key may have just been
 * replaced by a newer presign.
 */
export async function purgeOrphanUploads(
  runtime: Runtime,
  options: PurgeOptions = {},
): Promise<{ scanned: number; deleted: string[] }> {
  const now = options.now ?? new Date();
  const log = options.log ?? runtime.log;
  const storage = runtime.storage(RESUME.bucket);
  const cutoff = now.getTime() - ORPHAN_AFTER_MS;
  const deleted: string[] = [];
  let scanned = 0;
  let batch: StoredObject[] = [];

  const flush = async () => {
    const old = batch.filter((o) => o.lastModified.getTime() < cutoff);
    batch = [];
    if (old.length === 0) return;
    const referenced = await referencedResumeKeys(
      runtime.db,
      old.map((o) => o.key),
    );
    const orphans = old.filter((o) => !referenced.has(o.key)).map((o) => o.key);
    if (orphans.length === 0) return;
    await storage.delete(orphans);
    deleted.push(...orphans);
  };

  for await (const object of storage.list(`${RESUME.prefix}/`)) {
    if (options.signal?.aborted) break;
    scanned++;
    batch.push(object);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  log.info({ scanned, deleted: deleted.length }, 'purge-orphan-uploads: done');
  return { scanned, deleted };
}

export const purgeOrphanUploadsJob = defineJob({
  name: 'purge-orphan-uploads',
  schedule: 'rate(1 hour)',
  run: async ({ runtime, log, signal }) => {
    await purgeOrphanUploads(runtime, { log, signal });
  },
});
