import type { Command } from 'commander';
import type { ApiToken, Grant, User } from '../../auth/index.js';
import { action, clientFor, globals, printObject, printRows, UsageError } from '../output.js';

const USER_FIELDS: [string, (u: User) => unknown][] = [
  ['username', (u) => u.username],
  ['created', (u) => u.created_at],
  ['disabled', (u) => u.disabled],
];
const TOKEN_FIELDS: [string, (t: ApiToken) => unknown][] = [
  ['id', (t) => t.id],
  ['user', (t) => t.username],
  ['name', (t) => t.name],
  ['scope', (t) => t.scope],
  ['created', (t) => t.created_at],
  ['expires', (t) => t.expires_at],
  ['last_used', (t) => t.last_used_at],
  ['revoked', (t) => t.revoked_at],
];
const GRANT_FIELDS: [string, (g: Grant) => unknown][] = [
  ['id', (g) => g.id],
  ['user', (g) => g.username],
  ['role', (g) => g.role],
  ['resource', (g) => (g.resource_type === 'global' ? 'global' : `${g.resource_type}:${g.resource_id}`)],
  ['by', (g) => g.created_by],
];

/** `puente whoami`, `puente users ...`, `puente tokens ...`, `puente grants ...` */
export function registerAccessCommands(program: Command): void {
  program
    .command('whoami')
    .description('show the identity and roles of the current credentials')
    .action(
      action(async (_opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).auth.whoami(), [
          ['user', (w) => w.username],
          ['role', (w) => w.global_role],
          ['scope', (w) => w.scope],
          ['grants', (w) => w.grants.map((g: { resource: string; role: string }) => `${g.role}@${g.resource}`)],
          ['auth', (w) => (w.auth_enforced ? 'enforced' : 'open (no users yet)')],
        ]);
      }),
    );

  const users = program.command('users').description('manage users (admins)');
  users
    .command('create <username>')
    .description('create a user, optionally with a password and a global role')
    .option('--password <password>', 'password for Basic auth')
    .option('--role <role>', 'global role: viewer, editor, deployer or admin')
    .action(
      action(async (username: string, opts: { password?: string; role?: string }, command: Command) => {
        printObject(command, await clientFor(command).auth.users.create({ username, ...opts }), USER_FIELDS);
      }),
    );
  users.command('list').description('list users').action(
    action(async (_opts: unknown, command: Command) => printRows(command, await clientFor(command).auth.users.list(), USER_FIELDS)),
  );
  users
    .command('disable <username>')
    .description('disable a user (their tokens stop working)')
    .action(
      action(async (username: string, _opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).auth.users.update(username, { disabled: true }), USER_FIELDS);
      }),
    );
  users
    .command('delete <username>')
    .description('delete a user with their tokens and grants')
    .action(
      action(async (username: string, _opts: unknown, command: Command) => {
        await clientFor(command).auth.users.delete(username);
        if (!globals(command).json) process.stdout.write(`Deleted user '${username}'.\n`);
      }),
    );

  const tokens = program.command('tokens').description('create, list and revoke API tokens');
  tokens
    .command('create')
    .description('create an API token and print its secret once')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--user <username>', 'for another user (admins)')
    .option('--scope <scope>', 'all, or inference for model calls only', 'all')
    .option('--expires-in-days <days>', 'expiry, in days')
    .option('--rate-limit <n>', 'requests per minute')
    .action(
      action(async (opts: { name: string; user?: string; scope: string; expiresInDays?: string; rateLimit?: string }, command: Command) => {
        const created = await clientFor(command).auth.tokens.create({
          name: opts.name,
          username: opts.user,
          scope: opts.scope,
          ...(opts.expiresInDays ? { expires_in_days: Number(opts.expiresInDays) } : {}),
          ...(opts.rateLimit ? { rate_limit_per_minute: Number(opts.rateLimit) } : {}),
        });
        if (globals(command).json) {
          process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
          return;
        }
        process.stdout.write(`Token ${created.token_info.id} for '${created.token_info.username}' (shown once; store it now):\n${created.token}\n`);
      }),
    );
  tokens
    .command('list')
    .description('list your tokens (admins: --user or --all)')
    .option('--user <username>', "another user's tokens")
    .option('--all', "everyone's tokens")
    .action(
      action(async (opts: { user?: string; all?: boolean }, command: Command) => {
        printRows(command, await clientFor(command).auth.tokens.list({ username: opts.user, ...(opts.all ? { all: true } : {}) }), TOKEN_FIELDS);
      }),
    );
  tokens
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(
      action(async (id: string, _opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).auth.tokens.revoke(Number(id)), TOKEN_FIELDS);
      }),
    );

  const grants = program.command('grants').description('grant and revoke roles');
  grants
    .command('add <username> <role>')
    .description('grant a role (viewer < editor < deployer < admin) globally or on one resource')
    .option('--experiment <id>', 'on one experiment')
    .option('--model <name>', 'on one registered model')
    .option('--dataset <name>', 'on one dataset')
    .option('--deployment <name>', 'on one deployment')
    .action(
      action(async (username: string, role: string, opts: { experiment?: string; model?: string; dataset?: string; deployment?: string }, command: Command) => {
        const targets = (
          [['experiment', opts.experiment], ['registered_model', opts.model], ['dataset', opts.dataset], ['deployment', opts.deployment]] as const
        ).filter(([, id]) => id !== undefined);
        if (targets.length > 1) throw new UsageError('name at most one of --experiment, --model, --dataset, --deployment');
        const [type, id] = targets[0] ?? ['global', undefined];
        printObject(command, await clientFor(command).auth.grants.add({ username, role, resource_type: type, resource_id: id }), GRANT_FIELDS);
      }),
    );
  grants
    .command('list')
    .description('list grants')
    .option('--user <username>', 'of one user')
    .action(
      action(async (opts: { user?: string }, command: Command) => {
        printRows(command, await clientFor(command).auth.grants.list({ username: opts.user }), GRANT_FIELDS);
      }),
    );
  grants
    .command('revoke <id>')
    .description('revoke a grant')
    .action(
      action(async (id: string, _opts: unknown, command: Command) => {
        await clientFor(command).auth.grants.revoke(Number(id));
        if (!globals(command).json) process.stdout.write(`Revoked grant ${id}.\n`);
      }),
    );
}
