/**
 * Writes to the user's store, always under its lock: the blob and its
 * signature first (content-addressed, so a half-done install leaves at most
 * an unreferenced file), plugins.lock last, then files nothing refers to
 * are swept — including temp files of a process that died mid-write.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readLock, withStoreLock, writeLock, type LockFile } from './lock-file.js';
import { writeFileAtomic } from './write-atomic.js';
import { blobFile, signatureFile } from './paths.js';

/** Runs `change` on the current lock under the store's lock and writes the result. */
export async function changeStore<T>(storeDir: string, change: (lock: LockFile) => Promise<T>): Promise<T> {
  return withStoreLock(storeDir, async () => {
    const lock = await readLock(storeDir);
    const out = await change(lock);
    await writeLock(storeDir, lock);
    await sweep(storeDir, lock);
    return out;
  });
}

export async function putBlob(storeDir: string, sha256: string, bytes: Uint8Array, signature?: string): Promise<void> {
  await writeFileAtomic(blobFile(storeDir, sha256), bytes, 0o444);
  if (signature !== undefined) await writeFileAtomic(signatureFile(storeDir, sha256), signature, 0o444);
}

/** Removes blobs no entry names and temp files (only ever written under the lock we hold). */
async function sweep(storeDir: string, lock: LockFile): Promise<void> {
  const keep = new Set(Object.values(lock.plugins).map((e) => e.sha256));
  const dir = join(storeDir, 'blobs');
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.includes('.tmp-') || !keep.has(n.slice(0, 64)))
      .map((n) => rm(join(dir, n), { force: true })),
  );
  const top = await readdir(storeDir).catch(() => [] as string[]);
  await Promise.all(top.filter((n) => n.startsWith('plugins.lock.tmp-')).map((n) => rm(join(storeDir, n), { force: true })));
}
