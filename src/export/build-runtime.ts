import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PuenteError } from '../errors/index.js';

/** Which runtime an export carries: an HTTP server (container) or a Lambda handler. */
export type RuntimeKind = 'server' | 'lambda';

const ENTRY: Record<RuntimeKind, string> = { server: 'runtime-entry', lambda: 'lambda-entry' };

/** Native packages stay outside the bundle: they are installed beside it (container) or in a layer (Lambda). */
export const NATIVE_EXTERNALS = ['onnxruntime-node'];

/**
 * The entry source of a runtime. Run from source (tsx), the TypeScript file sits beside this one;
 * from a build, the compiled file does (dist/export/), or one level down when this code itself
 * is the bundled CLI (dist/puente.mjs).
 */
export function runtimeEntry(kind: RuntimeKind): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const name = ENTRY[kind];
  const candidates = [join(here, `${name}.ts`), join(here, `${name}.js`), join(here, 'export', `${name}.js`)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new PuenteError('INTERNAL_ERROR', `The ${kind} runtime entry is missing (looked for ${candidates.join(', ')}); rebuild Puente.`);
  return found;
}

/**
 * Bundles a runtime into one self-contained ES module (`outfile`): Fastify, the serving code and
 * the XGBoost evaluator included, native modules left as imports. esbuild is a build tool of
 * Puente (a dev dependency), loaded only when an export is made.
 */
export async function buildRuntime(kind: RuntimeKind, outfile: string): Promise<{ bytes: number }> {
  let esbuild: typeof import('esbuild');
  try {
    // A computed specifier: when the CLI itself is bundled, the bundler must leave esbuild (which
    // runs its own native binary) as a runtime import rather than inline it.
    const specifier = 'esbuild';
    esbuild = (await import(specifier)) as typeof import('esbuild');
  } catch {
    throw new PuenteError('NOT_IMPLEMENTED', 'Exports bundle their runtime with esbuild, which is not installed here; run `npm install` in the Puente checkout (with dev dependencies).');
  }
  const result = await esbuild.build({
    entryPoints: [runtimeEntry(kind)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    external: NATIVE_EXTERNALS,
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __exportCreateRequire } from 'node:module'; const require = __exportCreateRequire(import.meta.url);" },
  });
  const out = Object.values(result.metafile!.outputs).find((o) => o.entryPoint !== undefined);
  return { bytes: out?.bytes ?? 0 };
}
