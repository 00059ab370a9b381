import type { Readable } from 'node:stream';

/** One child of an artifact directory. */
export interface ArtifactEntry {
  /** Base name of the child (no slashes). */
  readonly name: string;
  readonly isDir: boolean;
  /** Size in bytes; only for files. */
  readonly size?: number;
}

/**
 * Where artifact bytes live. Keys are relative POSIX paths already checked by
 * `normalizeArtifactPath`; implementations never see `..` or absolute paths.
 */
export interface ArtifactStore {
  /** Human-readable location, for logs and `/health/ready`. */
  readonly description: string;
  /** Writes (or overwrites) one file from a buffer or a stream. */
  put(key: string, body: Buffer | Readable): Promise<{ size: number }>;
  /** Opens one file for reading; throws NotFoundError when it is missing. */
  get(key: string): Promise<{ stream: Readable; size: number }>;
  /** Size of a file, or null when no file has that key. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Immediate children of a directory key ('' is the root); empty when none. */
  list(dirKey: string): Promise<ArtifactEntry[]>;
  /** Deletes a file, or a directory with everything below it. Missing keys are ignored. */
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be written (checked by `/health/ready`). */
  checkWritable(): Promise<void>;
}
