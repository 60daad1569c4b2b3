// The blob store for attachment bytes and raw message sources: a folder under `.data/`
// by default. Content-addressed by SHA-256, so storing the same bytes twice (a retried
// intake, the same attachment in two mails) writes one file and returns the same key.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface StoredBlob {
  key: string;
  sha256: string;
  size: number;
}

export interface BlobStore {
  /** Stores bytes once and returns their content key; never overwrites other content. */
  put(bytes: Buffer): Promise<StoredBlob>;
  /** Reads the bytes of a key; throws naming the key when it is missing. */
  get(key: string): Promise<Buffer>;
}

/** A blob store in a local folder, e.g. `.data/blobs`. */
export function createFolderBlobStore(options: { root: string }): BlobStore {
  const pathOf = (key: string) => path.join(options.root, key.slice(0, 2), key);

  return {
    async put(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const target = pathOf(sha256);
      if (await exists(target)) return { key: sha256, sha256, size: bytes.length };

      // Write then rename, so a crash never leaves a half-written blob under its final name.
      await mkdir(path.dirname(target), { recursive: true });
      const partial = `${target}.${process.pid}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, target);
      return { key: sha256, sha256, size: bytes.length };
    },

    async get(key) {
      if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a blob key: "${key}"`);
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        throw new Error(`blob ${key} is missing from ${options.root}`, { cause: error });
      }
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
