import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { directoryBundleSource, readBundle } from '../bundles/index.js';
import { InvalidParameterError, PuenteError } from '../errors/index.js';
import { buildRuntime } from './build-runtime.js';
import { copyOnnxRuntime } from './native.js';
import { BUNDLE_DIR, EXPORT_INFO_FILE, type ExportInfo } from './single-model-app.js';
import { dockerfile, dockerignore, dockerReadme, lambdaReadme } from './templates.js';
import { checkHashes, collectBundle, type VersionToExport } from './version-source.js';

export const EXPORT_TARGETS = ['docker', 'lambda', 'onnx'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export interface ExportOptions {
  readonly target: ExportTarget;
  /** Directory to write; it must not exist or be empty, so nothing stale ends up in an image. */
  readonly outDir: string;
  /** Written into export.json and served at /version. */
  readonly puenteVersion: string;
}

export interface ExportResult {
  readonly target: ExportTarget;
  readonly name: string;
  readonly version: number;
  readonly format: string;
  readonly outDir: string;
  /** Files written, relative to outDir (native modules summarised as their directory). */
  readonly files: string[];
  /** Size of the bundled runtime, when there is one. */
  readonly runtimeBytes?: number;
  readonly notes: string[];
}

/** Writes an export of one version: a container build context, a Lambda function directory, or the ONNX file. */
export async function exportVersion(v: VersionToExport, o: ExportOptions): Promise<ExportResult> {
  if (!EXPORT_TARGETS.includes(o.target)) throw new InvalidParameterError(`Unknown export target '${o.target}'; use ${EXPORT_TARGETS.join(', ')}.`, 'target');
  const { bundle, files } = await collectBundle(v.source);
  const format = bundle.manifest.format;
  const notes: string[] = [];
  if (o.target === 'onnx' && format !== 'onnx') {
    throw new InvalidParameterError(`${v.name} version ${v.version} is in the ${format} format; --target onnx writes the ONNX file of ONNX bundles only, and converting other formats is not offered. Export it with --target docker or --target lambda.`, 'target');
  }
  await emptyDir(o.outDir);

  if (o.target === 'onnx') {
    const name = basename(bundle.manifest.model_file);
    await writeFile(join(o.outDir, name), bundle.modelBytes);
    if (bundle.manifest.preprocessing) notes.push(`${name} takes the preprocessed matrix: the bundle's fitted preprocessing (in puente.json) is not part of the graph.`);
    return { target: o.target, name: v.name, version: v.version, format, outDir: o.outDir, files: [name], notes };
  }

  const info: ExportInfo = { name: v.name, version: v.version, aliases: v.aliases, format, puente_version: o.puenteVersion, exported_at: new Date().toISOString() };
  const written: string[] = [];
  const put = async (rel: string, bytes: Buffer | string) => {
    const path = join(o.outDir, ...rel.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written.push(rel);
  };
  for (const [rel, bytes] of files) await put(`${BUNDLE_DIR}/${rel}`, bytes);
  // What was written is what loads: read it back as the runtime will.
  const copied = await readBundle(directoryBundleSource(join(o.outDir, BUNDLE_DIR)));
  checkHashes(copied.manifest, files, join(o.outDir, BUNDLE_DIR));
  await put(EXPORT_INFO_FILE, `${JSON.stringify(info, null, 2)}\n`);

  const onnx = format === 'onnx';
  let runtimeBytes: number;
  if (o.target === 'docker') {
    runtimeBytes = (await buildRuntime('server', join(o.outDir, 'server.mjs'))).bytes;
    written.push('server.mjs');
    await put('package.json', `${JSON.stringify({ name: `${slug(v.name)}-server`, version: `${v.version}.0.0`, private: true, type: 'module', scripts: { start: 'node server.mjs' } }, null, 2)}\n`);
    await put('Dockerfile', dockerfile({ native: onnx }));
    await put('.dockerignore', dockerignore());
    await put('README.md', dockerReadme(info, onnx));
  } else {
    runtimeBytes = (await buildRuntime('lambda', join(o.outDir, 'index.mjs'))).bytes;
    written.push('index.mjs');
    await put('package.json', `${JSON.stringify({ name: `${slug(v.name)}-function`, version: `${v.version}.0.0`, private: true, type: 'module', main: 'index.mjs' }, null, 2)}\n`);
    await put('README.md', lambdaReadme(info, onnx));
  }
  if (onnx) {
    await copyOnnxRuntime(o.outDir);
    written.push('node_modules/onnxruntime-node/', 'node_modules/onnxruntime-common/');
    notes.push('onnxruntime-node (Linux x64 and arm64 libraries) is copied into node_modules/; it is native, so it stays outside the bundled runtime.');
  }
  return { target: o.target, name: v.name, version: v.version, format, outDir: o.outDir, files: written.sort(), runtimeBytes, notes };
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (entries.length > 0) throw new PuenteError('RESOURCE_ALREADY_EXISTS', `${dir} is not empty; export into a new or empty directory.`);
  await mkdir(dir, { recursive: true });
}

/** A package-name-safe form of a model name. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+/, '') || 'model';
}
