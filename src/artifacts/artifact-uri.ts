import { InvalidParameterError } from '../errors/index.js';
import { normalizeArtifactPath } from './artifact-path.js';

/** The scheme of artifact locations this server serves through its proxy. */
export const PROXY_SCHEME = 'mlflow-artifacts:';

/**
 * Store key of an artifact location handed out by this server: `mlflow-artifacts:/1/abc/artifacts`
 * → `1/abc/artifacts` (also accepts the `mlflow-artifacts://host/...` form).
 */
export function artifactKeyFromUri(uri: string): string {
  if (!uri.startsWith(PROXY_SCHEME)) {
    throw new InvalidParameterError(`Artifact location '${uri}' is not served by this server (expected ${PROXY_SCHEME}/...).`, 'artifact_uri');
  }
  let rest = uri.slice(PROXY_SCHEME.length);
  // mlflow-artifacts://host:port/path names a server; the path is what matters here.
  if (rest.startsWith('//')) rest = rest.slice(2).replace(/^[^/]*/, '');
  return normalizeArtifactPath(rest.replace(/^\//, ''), 'artifact_uri');
}

const MIME: Readonly<Record<string, string>> = {
  txt: 'text/plain', log: 'text/plain', md: 'text/markdown', csv: 'text/csv', tsv: 'text/tab-separated-values',
  json: 'application/json', yaml: 'text/yaml', yml: 'text/yaml', html: 'text/html', htm: 'text/html', xml: 'application/xml',
  py: 'text/x-python', js: 'text/javascript', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  svg: 'image/svg+xml', pdf: 'application/pdf', parquet: 'application/octet-stream', pkl: 'application/octet-stream',
  onnx: 'application/octet-stream', ubj: 'application/octet-stream', zip: 'application/zip', gz: 'application/gzip',
};

/** A Content-Type for a file name, from its extension; unknown ones are octet streams. */
export function guessContentType(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base === 'MLmodel') return 'text/yaml';
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME[ext] ?? 'application/octet-stream';
}
