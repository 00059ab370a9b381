import { cp, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { PuenteError } from '../errors/index.js';

/** Root directory of an installed package, found as Node resolves it from `from`. */
function packageRoot(name: string, from: string): string {
  const require = createRequire(from);
  let main: string;
  try {
    main = require.resolve(name);
  } catch {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `Exporting an ONNX model needs ${name} installed beside Puente (npm install ${name}).`);
  }
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const at = main.lastIndexOf(marker);
  return at < 0 ? dirname(dirname(main)) : main.slice(0, at + marker.length - 1);
}

/**
 * Copies onnxruntime-node (its JavaScript, and the Linux x64 and arm64 native libraries, the
 * platforms containers and Lambda run on) with onnxruntime-common into `dir/node_modules`, so
 * the export runs without a registry: Node resolves the runtime's `import('onnxruntime-node')`
 * from there.
 */
export async function copyOnnxRuntime(dir: string): Promise<void> {
  const ort = packageRoot('onnxruntime-node', import.meta.url);
  const common = packageRoot('onnxruntime-common', join(ort, 'package.json'));
  const target = join(dir, 'node_modules');
  await mkdir(target, { recursive: true });
  const keepOrt = (src: string) => {
    const rel = src.slice(ort.length).split(sep).join('/');
    if (rel === '' || rel === '/package.json' || rel === '/LICENSE' || rel.startsWith('/dist')) return true;
    // bin/napi-v6/<platform>/<arch>: Linux only.
    return rel === '/bin' || /^\/bin\/napi-v\d+(\/linux(\/.*)?)?$/.test(rel);
  };
  await cp(ort, join(target, 'onnxruntime-node'), { recursive: true, filter: keepOrt });
  await cp(common, join(target, 'onnxruntime-common'), { recursive: true });
}
