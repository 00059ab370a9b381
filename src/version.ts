import { readFileSync } from 'node:fs';

/** Puente's version, read once from package.json (one directory above src/ and dist/). */
export const PUENTE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
