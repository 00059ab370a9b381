import { artifactBundleSource, MANIFEST_FILE, readBundle, sha256Hex, type BundleManifest, type BundleSource, type LoadedBundle } from '../bundles/index.js';
import { artifactKeyFromUri, type ArtifactStore } from '../artifacts/index.js';
import type { PuenteClient } from '../client/index.js';
import { PuenteError } from '../errors/index.js';
import type { ModelVersion, RegistryService } from '../registry/index.js';
import { proxyBundleSource, storeCatalog, remoteCatalog, type ModelCatalog } from '../serving/index.js';

/** One registered version, resolved, with a way to read every file of its bundle. */
export interface VersionToExport {
  readonly name: string;
  readonly version: number;
  readonly aliases: string[];
  readonly source: BundleSource;
}

/** Where a version comes from: a running server (its registry and artifact proxy) or the store. */
export interface VersionLocator {
  readonly catalog: ModelCatalog;
  getVersion(name: string, version: number): Promise<ModelVersion>;
  bundleSource(storageKey: string): BundleSource;
}

export function remoteLocator(client: PuenteClient): VersionLocator {
  return {
    catalog: remoteCatalog(client),
    getVersion: (name, version) => client.models.getVersion(name, version),
    bundleSource: (key) => proxyBundleSource(client, key),
  };
}

export function storeLocator(registry: RegistryService, artifacts: ArtifactStore): VersionLocator {
  return {
    catalog: storeCatalog(registry, artifacts),
    getVersion: (name, version) => registry.getModelVersion(name, version),
    bundleSource: (key) => artifactBundleSource(artifacts, key),
  };
}

/** Resolves `ref` (number, alias, or none: champion else latest) the way serving does. */
export async function locateVersion(locator: VersionLocator, name: string, ref: string | undefined): Promise<VersionToExport> {
  const version = await locator.catalog.resolve(name, ref);
  const mv = await locator.getVersion(name, version);
  let key: string;
  try {
    key = artifactKeyFromUri(mv.storage_location);
  } catch {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `Version ${version} of model '${name}' is stored at ${mv.storage_location}, which Puente cannot read; register it from a run's artifacts.`);
  }
  return { name, version, aliases: [...(mv.aliases ?? [])], source: locator.bundleSource(key) };
}

/** A verified bundle with the bytes of every file it is made of. */
export interface CollectedBundle {
  readonly bundle: LoadedBundle;
  /** Relative path → bytes: the manifest (Puente bundles) or MLmodel, and every hashed file. */
  readonly files: Map<string, Buffer>;
}

/**
 * Reads a bundle once, verified as serving verifies it, and keeps the bytes of the files that
 * make it up. Files in the directory but not in the manifest are left out: nothing unverified
 * travels into an export.
 */
export async function collectBundle(source: BundleSource): Promise<CollectedBundle> {
  const seen = new Map<string, Buffer>();
  const caching: BundleSource = {
    description: source.description,
    list: () => source.list(),
    async read(path) {
      const cached = seen.get(path);
      if (cached) return cached;
      const bytes = await source.read(path);
      if (bytes !== null) seen.set(path, bytes);
      return bytes;
    },
  };
  const bundle = await readBundle(caching);
  const files = new Map<string, Buffer>();
  const wanted = bundle.origin === 'puente' ? [MANIFEST_FILE, ...Object.keys(bundle.manifest.files)] : Object.keys(bundle.manifest.files);
  for (const path of wanted) {
    const bytes = await caching.read(path);
    if (bytes === null) throw new PuenteError('INVALID_PARAMETER_VALUE', `Bundle ${source.description} lost '${path}' while it was read.`);
    files.set(path, bytes);
  }
  checkHashes(bundle.manifest, files, source.description);
  return { bundle, files };
}

/** Every hashed file present with its sha256 (MLflow directories: as hashed when read). */
export function checkHashes(manifest: BundleManifest, files: Map<string, Buffer>, where: string): void {
  for (const [path, expected] of Object.entries(manifest.files)) {
    const bytes = files.get(path);
    if (!bytes || sha256Hex(bytes) !== expected) throw new PuenteError('INVALID_PARAMETER_VALUE', `Bundle ${where} failed verification at '${path}'.`);
  }
}

