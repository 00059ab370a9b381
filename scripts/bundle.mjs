#!/usr/bin/env node
// Bundles the compiled CLI and server into one module, dist/puente.mjs. Node resolves and reads
// several hundred small files on a plain start; one file halves the time to ready. Native,
// optional and file-serving packages stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outfile: join(root, 'dist', 'puente.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: ['better-sqlite3', '@node-rs/argon2', 'pg', '@aws-sdk/*', '@fastify/swagger-ui', 'pino', 'thread-stream', 'onnxruntime-node'],
  // CommonJS dependencies call require(); give the bundle one.
  banner: { js: "import { createRequire as __puenteCreateRequire } from 'node:module'; const require = __puenteCreateRequire(import.meta.url);" },
});
