import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ArtifactStore } from '../artifacts/index.js';
import { joinKeys } from '../artifacts/index.js';

/** Where a bundle's files are read from: an artifact-store prefix or a local directory. */
export interface BundleSource {
  readonly description: string;
  /** Every file, as paths relative to the bundle root, recursively. */
  list(): Promise<string[]>;
  /** One file's bytes, or null when it does not exist. */
  read(path: string): Promise<Buffer | null>;
}

/** The files under `prefix` in an artifact store (a logged model's or a version's location). */
export function artifactBundleSource(store: ArtifactStore, prefix: string): BundleSource {
  const walk = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const entry of await store.list(joinKeys(prefix, dir))) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDir) out.push(...(await walk(path)));
      else out.push(path);
    }
    return out;
  };
  return {
    description: `artifacts ${prefix}`,
    list: () => walk(''),
    async read(path) {
      const key = joinKeys(prefix, path);
      if ((await store.stat(key)) === null) return null;
      const { stream } = await store.get(key);
      return readAll(stream);
    },
  };
}

/** The files below a local directory. */
export function directoryBundleSource(dir: string): BundleSource {
  return {
    description: dir,
    async list() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
    },
    async read(path) {
      return readFile(join(dir, ...path.split('/'))).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
    },
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
