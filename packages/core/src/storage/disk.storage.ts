import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { StorageConfig } from '../config.ts';
import type { StorageBackend } from './storage.ts';

type DiskConfig = Extract<StorageConfig, { kind: 'disk' }>;

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/**
 * Files under `config.dir`, one per key. Directories are made on the first write, so a process that
 * never stores an image leaves nothing on disk. Writes go to a temporary file in `.tmp/` (a name
 * no key can have) and are renamed into place, so a reader sees the whole file or none.
 */
export function createDiskStorage(config: DiskConfig): StorageBackend {
  const root = resolve(config.dir);
  const tmpDir = resolve(root, '.tmp');

  /** The file of a key, refusing anything that would resolve outside the root. */
  const pathOf = (key: string): string => {
    const path = resolve(root, key);
    if (!path.startsWith(root + sep) || path.startsWith(tmpDir + sep)) {
      throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    }
    return path;
  };

  const storage: StorageBackend = {
    kind: 'disk',
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(tmpDir, { recursive: true });
      const tmp = resolve(tmpDir, randomUUID());
      await writeFile(tmp, body);
      try {
        // A concurrent delete may remove the (then empty) parent directory during mkdir or before the
        // rename; both then fail with ENOENT, and trying again recreates it.
        for (let attempt = 0; ; attempt++) {
          try {
            await mkdir(dirname(path), { recursive: true });
            await rename(tmp, path);
            return;
          } catch (error) {
            if (codeOf(error) !== 'ENOENT' || attempt >= 20) throw error;
          }
        }
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      // Drop the key's directory once empty (e.g. `campaigns/<id>/` after its last image), so deleted
      // campaigns leave no directories behind; another file in it keeps it.
      const parent = dirname(path);
      if (parent !== root) {
        await rmdir(parent).catch((error: unknown) => {
          if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(String(codeOf(error)))) throw error;
        });
      }
    },
    async get(key) {
      let handle: FileHandle;
      try {
        handle = await open(pathOf(key), 'r');
      } catch (error) {
        if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes(String(codeOf(error)))) return undefined;
        throw error;
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          await handle.close();
          return undefined;
        }
        // The stream owns the descriptor from here and closes it when done or destroyed.
        return { body: handle.createReadStream(), size: stat.size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
    async probe() {
      const key = `health/probe-${randomUUID()}`;
      await storage.put(key, Buffer.from('ok'), 'text/plain');
      await storage.delete(key);
    },
    async close() {},
  };
  return storage;
}
