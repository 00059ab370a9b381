/**
 * The command line of a bench script: `--name value` pairs, and `--flag` alone (value 'true').
 *
 * @example
 * const args = benchArgs();
 * const rounds = Number(args.get('rounds') ?? 3);
 */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '');
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(name, next);
      i++;
    } else args.set(name, 'true');
  }
  return args;
}
