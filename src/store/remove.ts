/** `wasmap plugin remove NAME`: out of plugins.lock, and its file swept. */
import { readLock, type LockEntry } from './lock-file.js';
import type { StorePaths } from './paths.js';
import { changeStore } from './store-write.js';
import { StoreError } from './store-error.js';

export async function removePlugin(name: string, paths: StorePaths): Promise<LockEntry> {
  return changeStore(paths.userDir, async (lock) => {
    const entry = lock.plugins[name];
    if (!entry) {
      for (const dir of paths.systemDirs) {
        if ((await readLock(dir)).plugins[name]) throw new StoreError(`${name} is installed system-wide in ${dir}: wasmap does not change system stores (remove it there, as root)`);
      }
      throw new StoreError(`${name} is not installed (in ${paths.userDir})`);
    }
    delete lock.plugins[name];
    return entry;
  });
}
