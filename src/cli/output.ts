import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { PuenteApiError, PuenteClient, PuenteUnreachableError, type ProgressCallback } from '../client/index.js';

/** Options every client command accepts (declared on the root program). */
export interface GlobalOptions {
  server: string;
  token?: string;
  json?: boolean;
}

/** The options of a command merged with the global ones. */
export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** A client for the server the command names. */
export function clientFor(command: Command): PuenteClient {
  const { server, token } = globals(command);
  return new PuenteClient({ baseUrl: server, token });
}

/** Prints rows as an aligned table, or as JSON with --json. */
export function printRows<T>(command: Command, rows: T[], columns: [header: string, cell: (row: T) => unknown][], json: unknown = rows): void {
  if (globals(command).json) {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map(([, cell]) => formatCell(cell(row))));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`${[line(columns.map(([h]) => h)), ...cells.map(line)].join('\n')}\n`);
}

/** Prints one object: JSON with --json, else `key: value` lines. */
export function printObject(command: Command, value: object, fields?: [label: string, cell: (v: any) => unknown][]): void {
  if (globals(command).json || !fields) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, cell] of fields) process.stdout.write(`${label.padEnd(width)}  ${formatCell(cell(value))}\n`);
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number' && value > 1e12 && value < 1e14 && Number.isInteger(value)) return new Date(value).toISOString().replace('T', ' ').slice(0, 19);
  if (Array.isArray(value)) return value.map(formatCell).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `key=value` pairs from repeated options. */
export function keyValues(items: string[] = [], option: string): { key: string; value: string }[] {
  return items.map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`${option} expects KEY=VALUE, got "${item}"`);
    return { key: item.slice(0, at), value: item.slice(at + 1) };
  });
}

/** A mistake in how a command was called. */
export class UsageError extends Error {}

/** A progress bar on stderr when it is a terminal; nothing otherwise. */
export function progressBar(label: string): { update: ProgressCallback; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? done, 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

/** Runs a command action; errors become one line on stderr and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof PuenteUnreachableError || err instanceof UsageError) console.error(`puente: ${err.message}`);
      else if (err instanceof PuenteApiError) console.error(`${err.code}: ${err.message}`);
      else console.error(`puente: ${(err as Error).message ?? err}`);
      process.exitCode = 1;
    }
  };
}

/**
 * `MODEL@VERSION` or `MODEL@ALIAS` split into the model and its reference; `MODEL` alone leaves
 * the reference to the command (champion, else the latest version). `@x` and `m@` are refused.
 */
export function parseModelRef(text: string, option = 'MODEL@REF'): { model: string; ref: string | undefined } {
  const at = text.lastIndexOf('@');
  if (at === 0 || at === text.length - 1) throw new UsageError(`${option} must be MODEL@VERSION or MODEL@ALIAS, got '${text}'.`);
  return at < 0 ? { model: text, ref: undefined } : { model: text.slice(0, at), ref: text.slice(at + 1) };
}
