import type { Command } from 'commander';
import type { AuditRecord } from '../../audit/index.js';
import { action, clientFor, globals, printRows, UsageError } from '../output.js';

const FIELDS: [string, (r: AuditRecord) => unknown][] = [
  ['seq', (r) => r.seq],
  ['time', (r) => r.at],
  ['actor', (r) => r.actor],
  ['action', (r) => r.action],
  ['resource', (r) => (r.resource_type === 'global' ? '-' : `${r.resource_type}:${r.resource_id}`)],
  ['status', (r) => r.status],
  ['source', (r) => r.source],
];

function parseTime(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`${option} expects an ISO time (2026-12-01T10:00:00Z) or epoch milliseconds, got "${text}"`);
  return ms;
}

/** `puente audit log | verify` */
export function registerAuditCommands(program: Command): void {
  const cmd = program.command('audit').description('read and verify the tamper-evident audit log (admins)');

  cmd
    .command('log')
    .description('list audit records, oldest first')
    .option('--user <username>', 'by who made the change')
    .option('--resource <type:id>', 'on one resource, e.g. experiment:3 or registered_model:credit')
    .option('--since <time>', 'from this time (ISO or epoch ms)')
    .option('--until <time>', 'up to this time (ISO or epoch ms)')
    .option('--limit <n>', 'at most this many records', '1000')
    .action(
      action(async (opts: { user?: string; resource?: string; since?: string; until?: string; limit: string }, command: Command) => {
        let resource: { resource_type?: string; resource_id?: string } = {};
        if (opts.resource !== undefined) {
          const at = opts.resource.indexOf(':');
          if (at <= 0) throw new UsageError(`--resource expects TYPE:ID, got "${opts.resource}"`);
          resource = { resource_type: opts.resource.slice(0, at), resource_id: opts.resource.slice(at + 1) };
        }
        const records = await clientFor(command).audit.list({
          actor: opts.user,
          ...resource,
          since: parseTime(opts.since, '--since'),
          until: parseTime(opts.until, '--until'),
          limit: Number(opts.limit),
        });
        printRows(command, records, FIELDS);
      }),
    );

  cmd
    .command('verify')
    .description('check the hash chain; exits 1 and names the first bad record when it is broken')
    .action(
      action(async (_opts: unknown, command: Command) => {
        const result = await clientFor(command).audit.verify();
        if (globals(command).json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else if (result.ok) process.stdout.write(`Audit log intact: ${result.records} records, head ${result.head_hash}.\n`);
        else process.stdout.write(`Audit log BROKEN at record ${result.seq}: ${result.reason} (${result.records} records verified before it).\n`);
        if (!result.ok) process.exitCode = 1;
      }),
    );
}
