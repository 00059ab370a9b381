import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConflictError, NotFoundError, InvalidParameterError } from '../errors/index.js';
import type { ArtifactEntry, ArtifactStore } from './artifact-store.js';

/** Artifacts as files below one root directory; every resolved path is checked to stay inside it. */
export class LocalArtifactStore implements ArtifactStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  get description(): string {
    return `local directory ${this.#root}`;
  }

  #resolve(key: string): string {
    const full = resolve(this.#root, key);
    if (full !== this.#root && !full.startsWith(this.#root + sep)) {
      throw new InvalidParameterError(`Artifact path '${key}' escapes the artifact root.`, 'path');
    }
    return full;
  }

  async put(key: string, body: Buffer | Readable): Promise<{ size: number }> {
    const target = this.#resolve(key);
    await mkdir(dirname(target), { recursive: true }).catch((err) => {
      throw pathClash(key, err);
    });
    // Write beside the target and rename, so readers never see a half-written file.
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    try {
      if (Buffer.isBuffer(body)) await writeFile(temp, body);
      else await pipeline(body, createWriteStream(temp));
      await rename(temp, target);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw pathClash(key, err);
    }
    return { size: (await stat(target)).size };
  }

  async get(key: string): Promise<{ stream: Readable; size: number }> {
    const path = this.#resolve(key);
    const info = await stat(path).catch(() => null);
    if (!info || !info.isFile()) throw new NotFoundError(`Artifact '${key}' does not exist.`, 'artifact');
    return { stream: createReadStream(path), size: info.size };
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const info = await stat(this.#resolve(key)).catch(() => null);
    return info && info.isFile() ? { size: info.size } : null;
  }

  async list(dirKey: string): Promise<ArtifactEntry[]> {
    const dir = this.#resolve(dirKey);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: ArtifactEntry[] = [];
    for (const entry of entries) {
      if (entry.name.endsWith('.partial')) continue;
      if (entry.isDirectory()) out.push({ name: entry.name, isDir: true });
      else if (entry.isFile()) out.push({ name: entry.name, isDir: false, size: (await stat(join(dir, entry.name))).size });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const path = this.#resolve(key);
    if (path === this.#root) throw new InvalidParameterError('Refusing to delete the artifact root.', 'path');
    await rm(path, { recursive: true, force: true });
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    const probe = join(this.#root, `.ready-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, 'ok');
    await unlink(probe);
  }
}

/** A file where a directory must go, or the reverse, is the caller's mistake (409), not a server failure. */
function pathClash(key: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
    return new ConflictError(`Artifact path '${key}' clashes with an existing file or directory of that name.`);
  }
  return err;
}
