import type { ArtifactStore } from '../artifacts/index.js';
import { artifactKeyFromUri } from '../artifacts/index.js';
import { artifactBundleSource, readBundle, type BundleSource, type LoadedBundle } from '../bundles/index.js';
import { PuenteError } from '../errors/index.js';
import type { ModelVersion, RegistryService } from '../registry/index.js';
import type { PuenteClient } from '../client/index.js';
import { PuenteApiError } from '../client/index.js';

/** Where served models come from: which version a reference names, and its verified bundle. */
export interface ModelCatalog {
  /** The version a reference names: a number, an alias, or (none) `champion`, else the latest. */
  resolve(name: string, ref: string | undefined): Promise<number>;
  openBundle(name: string, version: number): Promise<LoadedBundle>;
}

/** The registry and artifact store of this process (`puente server`, or `puente serve` on the store). */
export function storeCatalog(registry: RegistryService, artifacts: ArtifactStore): ModelCatalog {
  return {
    async resolve(name, ref) {
      if (ref !== undefined && ref !== '') return (await registry.resolveVersion(name, ref)).version;
      const champion = await registry.getVersionByAlias(name, 'champion').catch((err: unknown) => {
        if (err instanceof PuenteError && err.code === 'INVALID_PARAMETER_VALUE') return null;
        throw err;
      });
      return (champion ?? (await registry.getVersionByAlias(name, 'latest'))).version;
    },
    async openBundle(name, version) {
      const mv = await registry.getModelVersion(name, version);
      return readBundle(artifactBundleSource(artifacts, storageKey(mv)));
    },
  };
}

/** A running Puente server's registry and artifact proxy (`puente serve --server URL`). */
export function remoteCatalog(client: PuenteClient): ModelCatalog {
  return {
    async resolve(name, ref) {
      if (ref !== undefined && ref !== '') return (await client.models.getVersion(name, /^\d+$/.test(ref) ? ref : `@${ref.replace(/^@/, '')}`)).version;
      try {
        return (await client.models.getVersion(name, '@champion')).version;
      } catch (err) {
        if (err instanceof PuenteApiError && err.code === 'INVALID_PARAMETER_VALUE') return (await client.models.getVersion(name, '@latest')).version;
        throw err;
      }
    },
    async openBundle(name, version) {
      const mv = await client.models.getVersion(name, version);
      return readBundle(proxyBundleSource(client, storageKey(mv)));
    },
  };
}

function storageKey(mv: ModelVersion): string {
  try {
    return artifactKeyFromUri(mv.storage_location);
  } catch {
    throw new PuenteError(
      'INVALID_PARAMETER_VALUE',
      `Version ${mv.version} of model '${mv.name}' is stored at ${mv.storage_location}, which Puente cannot read; register it from a run's artifacts.`,
    );
  }
}

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/** A bundle's files through a server's artifact proxy (listing and download). */
export function proxyBundleSource(client: PuenteClient, prefix: string): BundleSource {
  const t = client.transport;
  const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  const walk = async (dir: string): Promise<string[]> => {
    const res = await t.json<{ files?: { path: string; is_dir: boolean }[] }>('GET', PROXY, { query: { path: dir === '' ? prefix : `${prefix}/${dir}` } });
    const out: string[] = [];
    for (const f of res.files ?? []) {
      // The proxy names entries by their last segment.
      const name = f.path.split('/').pop()!;
      const path = dir === '' ? name : `${dir}/${name}`;
      if (f.is_dir) out.push(...(await walk(path)));
      else out.push(path);
    }
    return out;
  };
  return {
    description: `${t.baseUrl} artifacts ${prefix}`,
    list: () => walk(''),
    async read(path) {
      try {
        const res = await t.raw('GET', `${t.baseUrl}${PROXY}/${enc(`${prefix}/${path}`)}`, { headers: t.headers() });
        return Buffer.from(await res.arrayBuffer());
      } catch (err) {
        if (err instanceof PuenteApiError && err.status === 404) return null;
        throw err;
      }
    },
  };
}
