#!/usr/bin/env node
// Entry point of the `puente` command: runs the compiled CLI (built by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'puente.mjs');
if (!existsSync(entry)) {
  console.error(`puente is not built yet: run "npm run build" in ${root}`);
  process.exit(1);
}
await import(pathToFileURL(entry).href);
