import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Deployment, DeploymentRevision, DeploymentStatus } from '../../deployments/index.js';
import { sampleSizeMeans, sampleSizeProportions } from '../../stats/index.js';
import type { ChangeOptions, DeployTarget } from '../../client/index.js';
import { action, clientFor, globals, parseModelRef, printObject, printRows, UsageError } from '../output.js';

/** MODEL@REF as a deploy target: the reference (a version number or alias) goes in `version`. */
function deployTarget(text: string, option = '--model'): DeployTarget {
  const { model, ref } = parseModelRef(text, option);
  return ref === undefined ? { model } : { model, version: ref };
}

/** `30s`, `5m`, `1h`, `250ms` or plain seconds → seconds. */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--interval must look like 30s, 5m, 1h or 250ms, got '${text}'.`);
  const value = Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!(value > 0)) throw new UsageError(`--interval must be positive, got '${text}'.`);
  return value;
}

const num = (option: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option} must be a number, got '${value}'.`);
  return n;
};
const int = (option: string) => (value: string) => {
  const n = num(option)(value);
  if (!Number.isInteger(n)) throw new UsageError(`${option} must be a whole number, got '${value}'.`);
  return n;
};

interface TargetFlags {
  injectDelayMs?: number;
  injectErrorPercent?: number;
}
interface ChangeFlags {
  reason?: string;
  expectedRevision?: number;
}

function target(ref: string, flags: TargetFlags, option = '--model'): DeployTarget {
  const faults = {
    ...(flags.injectDelayMs !== undefined ? { delay_ms: flags.injectDelayMs } : {}),
    ...(flags.injectErrorPercent !== undefined ? { error_percent: flags.injectErrorPercent } : {}),
  };
  return { ...deployTarget(ref, option), ...(Object.keys(faults).length > 0 ? { faults } : {}) };
}

function change(flags: ChangeFlags): ChangeOptions {
  return { ...(flags.reason ? { reason: flags.reason } : {}), ...(flags.expectedRevision !== undefined ? { expected_revision: flags.expectedRevision } : {}) };
}

const withChange = (c: Command) =>
  c.option('--reason <text>', 'why; kept in the history').option('--expected-revision <n>', 'refuse (409) if the deployment moved past this revision', int('--expected-revision'));
const withFaults = (c: Command) =>
  c
    .option('--inject-delay-ms <ms>', 'add latency to the new version (rehearse the guardrails)', num('--inject-delay-ms'))
    .option('--inject-error-percent <p>', 'fail this share of the new version\'s requests (rehearse the guardrails)', num('--inject-error-percent'));

const versionsLine = (d: { spec: Deployment['spec'] } | DeploymentStatus) => {
  const versions = 'spec' in d ? d.spec.versions : d.versions;
  return versions.map((v) => `${v.model}@${v.version} ${v.role} ${v.weight}%`).join(', ');
};

function printDeployment(command: Command, d: Deployment): void {
  printObject(command, d, [
    ['name', (x: Deployment) => x.name],
    ['revision', (x: Deployment) => x.revision],
    ['policy', (x: Deployment) => x.spec.policy],
    ['versions', versionsLine],
    ['canary', (x: Deployment) => (x.spec.canary ? `${x.spec.canary.state}${x.spec.canary.reason ? ` (${x.spec.canary.reason})` : ''}` : undefined)],
  ]);
}

/** `puente deploy ...`: deployments and their traffic policies. */
export function registerDeployCommands(program: Command): void {
  const deploy = program.command('deploy').description('deployments: blue-green, canary, shadow and A/B traffic over model versions');

  deploy
    .command('create <name>')
    .description('create a deployment serving one version')
    .requiredOption('--model <model@ref>', 'MODEL@VERSION or MODEL@ALIAS')
    .option('--description <text>', 'free text')
    .action(action(async (name: string, opts: { model: string; description?: string; reason?: string }, command: Command) => {
      printDeployment(command, await clientFor(command).deployments.create(name, { ...deployTarget(opts.model), ...(opts.description ? { description: opts.description } : {}) }));
    }));

  deploy.command('list').description('list deployments').action(action(async (_opts: unknown, command: Command) => {
    printRows(command, await clientFor(command).deployments.list(), [
      ['name', (d) => d.name], ['revision', (d) => d.revision], ['policy', (d) => d.spec.policy], ['versions', versionsLine],
    ]);
  }));

  withChange(withFaults(deploy
    .command('blue-green <name>')
    .description('stage a green version beside the live one (reach it with the header x-puente-target: green), then promote or roll back')
    .requiredOption('--green <model@ref>', 'the version to stage')))
    .action(action(async (name: string, opts: { green: string } & TargetFlags & ChangeFlags, command: Command) => {
      printDeployment(command, await clientFor(command).deployments.blueGreen(name, { ...target(opts.green, opts, '--green'), ...change(opts) }));
    }));

  withChange(withFaults(deploy
    .command('canary <name>')
    .description('shift traffic to a version step by step, analysing guardrails each interval; promotes or rolls back by itself')
    .requiredOption('--model <model@ref>', 'the canary version')
    .option('--steps <weights>', 'comma-separated weights in percent, ending at 100', '10,50,100')
    .option('--interval <duration>', 'time per step before its analysis (30s, 5m, 1h)', '60s')
    .option('--max-error-rate <rate>', 'most share of failed requests (0-1)', num('--max-error-rate'))
    .option('--max-p99-ms <ms>', 'most 99th-percentile latency', num('--max-p99-ms'))
    .option('--max-prediction-shift <distance>', 'most Jensen-Shannon distance (natural log) between canary and stable predictions', num('--max-prediction-shift'))
    .option('--min-accuracy-delta <delta>', 'least canary accuracy minus stable accuracy on labelled predictions (e.g. -0.02)', num('--min-accuracy-delta'))
    .option('--failure-limit <n>', 'failed checks tolerated before rolling back', int('--failure-limit'), 0)
    .option('--min-requests <n>', 'fewest canary requests an analysis needs to judge', int('--min-requests'), 20)))
    .action(action(async (name: string, opts: {
      model: string; steps: string; interval: string; maxErrorRate?: number; maxP99Ms?: number; maxPredictionShift?: number; minAccuracyDelta?: number;
      failureLimit: number; minRequests: number;
    } & TargetFlags & ChangeFlags, command: Command) => {
      const steps = opts.steps.split(',').map((s) => num('--steps')(s));
      printDeployment(command, await clientFor(command).deployments.canary(name, {
        ...target(opts.model, opts), ...change(opts), steps, interval_seconds: parseInterval(opts.interval),
        ...(opts.maxErrorRate !== undefined ? { max_error_rate: opts.maxErrorRate } : {}),
        ...(opts.maxP99Ms !== undefined ? { max_p99_ms: opts.maxP99Ms } : {}),
        ...(opts.maxPredictionShift !== undefined ? { max_prediction_shift: opts.maxPredictionShift } : {}),
        ...(opts.minAccuracyDelta !== undefined ? { min_accuracy_delta: opts.minAccuracyDelta } : {}),
        failure_limit: opts.failureLimit, min_requests: opts.minRequests,
      }));
    }));

  withChange(withFaults(deploy
    .command('shadow <name>')
    .description('mirror a share of traffic to a version; its answers are compared, never returned')
    .requiredOption('--model <model@ref>', 'the shadow version')
    .requiredOption('--percent <p>', 'share of requests mirrored (0-100]', num('--percent'))))
    .action(action(async (name: string, opts: { model: string; percent: number } & TargetFlags & ChangeFlags, command: Command) => {
      printDeployment(command, await clientFor(command).deployments.shadow(name, { ...target(opts.model, opts), ...change(opts), percent: opts.percent }));
    }));

  withChange(withFaults(deploy
    .command('ab <name>')
    .description('split traffic between the stable version (A) and a new one (B) and compare outcomes from feedback labels')
    .requiredOption('--model <model@ref>', 'the treatment version (B)')
    .requiredOption('--weight <percent>', 'share of traffic to B', num('--weight'))
    .option('--metric <metric>', 'accuracy | conversion | absolute_error | value', 'accuracy')
    .option('--alpha <alpha>', 'significance level', num('--alpha'), 0.05)
    .option('--minimum-effect <delta>', 'smallest difference worth detecting (sets the planned sample size)', num('--minimum-effect'))))
    .action(action(async (name: string, opts: { model: string; weight: number; metric: string; alpha: number; minimumEffect?: number } & TargetFlags & ChangeFlags, command: Command) => {
      printDeployment(command, await clientFor(command).deployments.ab(name, {
        ...target(opts.model, opts), ...change(opts), weight: opts.weight, metric: opts.metric, alpha: opts.alpha,
        ...(opts.minimumEffect !== undefined ? { minimum_effect: opts.minimumEffect } : {}),
      }));
    }));

  withChange(deploy
    .command('set-traffic <name> <weights...>')
    .description('set live weights by hand: MODEL@VERSION=WEIGHT for every live version, summing to 100'))
    .action(action(async (name: string, weights: string[], opts: ChangeFlags, command: Command) => {
      const parsed = weights.map((w) => {
        const m = /^(.+)@(\d+)=(\d+(?:\.\d+)?)$/.exec(w);
        if (!m) throw new UsageError(`Weights look like MODEL@VERSION=WEIGHT, got '${w}'.`);
        return { model: m[1]!, version: Number(m[2]), weight: Number(m[3]) };
      });
      printDeployment(command, await clientFor(command).deployments.setTraffic(name, parsed, change(opts)));
    }));

  for (const [verb, description] of [
    ['promote', 'give the version being tried (green, canary, shadow or B) all traffic'],
    ['pause', 'pause a canary (its weights stay)'],
    ['resume', 'resume a paused canary (the step interval restarts)'],
  ] as const) {
    withChange(deploy.command(`${verb} <name>`).description(description)).action(action(async (name: string, opts: ChangeFlags, command: Command) => {
      printDeployment(command, await clientFor(command).deployments[verb](name, change(opts)));
    }));
  }

  withChange(deploy
    .command('rollback <name>')
    .description('roll back in one step: abort a canary, drop a green or shadow version, or return to the policy before the last change')
    .option('--to-revision <n>', 'restore the policy of this earlier revision', int('--to-revision')))
    .action(action(async (name: string, opts: ChangeFlags & { toRevision?: number }, command: Command) => {
      printDeployment(command, await clientFor(command).deployments.rollback(name, { ...change(opts), ...(opts.toRevision !== undefined ? { to_revision: opts.toRevision } : {}) }));
    }));

  deploy
    .command('status <name>')
    .description('policy, revision, versions with weights and roles, canary analyses, shadow agreement, A/B statistics')
    .action(action(async (name: string, _opts: unknown, command: Command) => {
      const s = await clientFor(command).deployments.status(name);
      printObject(command, s, [
        ['name', (x: DeploymentStatus) => x.name],
        ['policy', (x: DeploymentStatus) => x.policy],
        ['revision', (x: DeploymentStatus) => x.revision],
        ['versions', versionsLine],
        ['canary', (x: DeploymentStatus) => (x.canary ? `${x.canary.state} at ${x.canary.weight}%${x.canary.reason ? `: ${x.canary.reason}` : ''}` : undefined)],
        ['shadow', (x: DeploymentStatus) => (x.shadow ? `${x.shadow.percent}% mirrored, agreement ${x.shadow.agreement_rate ?? '-'}, errors ${x.shadow.errors}/${x.shadow.requests}` : undefined)],
        ['ab', (x: DeploymentStatus) => (x.ab ? `${x.ab.verdict.verdict}${x.ab.verdict.winner_version ? ` ${x.ab.verdict.winner_version.model}@${x.ab.verdict.winner_version.version}` : ''}: ${x.ab.verdict.reason}` : undefined)],
        ['validation', (x: DeploymentStatus) => (x.validation ? `${x.validation.violating_rows} of ${x.validation.checked_rows} rows break suite '${x.validation.suite}'` : undefined)],
        ['traffic', (x: DeploymentStatus) => x.traffic.map((t) => `${t.model}@${t.version} ${t.requests} req, ${t.errors} err, p99 ${t.p99_ms === null ? '-' : t.p99_ms.toFixed(2)} ms`)],
      ]);
    }));

  deploy
    .command('history <name>')
    .description('revisions, newest first: who changed what, when and why')
    .option('--limit <n>', 'most revisions to show', int('--limit'), 50)
    .action(action(async (name: string, opts: { limit: number }, command: Command) => {
      printRows(command, await clientFor(command).deployments.history(name, opts.limit), [
        ['revision', (r: DeploymentRevision) => r.revision], ['when', (r: DeploymentRevision) => r.created_at], ['by', (r: DeploymentRevision) => r.created_by],
        ['policy', (r: DeploymentRevision) => r.spec.policy], ['versions', versionsLine], ['reason', (r: DeploymentRevision) => r.reason],
      ]);
    }));

  withChange(deploy
    .command('validate <name>')
    .description('check every incoming record against an expectation suite (YAML or JSON, as puente data validate takes); violations are counted, requests still answered')
    .option('--suite <file>', 'the suite file')
    .option('--clear', 'stop checking'))
    .action(action(async (name: string, opts: ChangeFlags & { suite?: string; clear?: boolean }, command: Command) => {
      if (Boolean(opts.suite) === Boolean(opts.clear)) throw new UsageError('Give --suite FILE or --clear.');
      const text = opts.suite ? await readFile(opts.suite, 'utf8').catch(() => { throw new UsageError(`Cannot read the suite file ${opts.suite}.`); }) : null;
      printDeployment(command, await clientFor(command).deployments.setValidation(name, text, change(opts)));
    }));

  withChange(deploy
    .command('explanations <name>')
    .description('store explanations (SHAP contributions per input column) with a share of logged predictions, computed after the answer')
    .option('--percent <p>', 'share of logged requests explained (0-100]', num('--percent'))
    .option('--method <method>', 'tree, kernel or permutation (default: tree for tree models, else kernel)')
    .option('--off', 'stop storing explanations'))
    .action(action(async (name: string, opts: ChangeFlags & { percent?: number; method?: string; off?: boolean }, command: Command) => {
      if ((opts.percent === undefined) === !opts.off) throw new UsageError('Give --percent P or --off.');
      const settings = opts.off ? null : { percent: opts.percent!, ...(opts.method ? { method: opts.method } : {}) };
      printDeployment(command, await clientFor(command).deployments.setExplanations(name, settings, change(opts)));
    }));

  deploy.command('delete <name>').description('delete a deployment and its history').action(action(async (name: string, _opts: unknown, command: Command) => {
    await clientFor(command).deployments.delete(name);
    if (globals(command).json) process.stdout.write('{}\n');
    else process.stdout.write(`Deleted deployment ${name}.\n`);
  }));

  deploy
    .command('sample-size')
    .description('per-arm sample size an A/B test needs (two-sided, fixed horizon): proportions with --baseline, means with --sd')
    .requiredOption('--mde <delta>', 'smallest difference to detect (absolute)', num('--mde'))
    .option('--baseline <rate>', 'control arm rate, for binary metrics (accuracy, conversion)', num('--baseline'))
    .option('--sd <sd>', 'outcome standard deviation, for continuous metrics', num('--sd'))
    .option('--power <power>', 'probability of detecting the effect', num('--power'), 0.8)
    .option('--alpha <alpha>', 'significance level', num('--alpha'), 0.05)
    .option('--ratio <ratio>', 'size of B relative to A', num('--ratio'), 1)
    .action(action(async (opts: { mde: number; baseline?: number; sd?: number; power: number; alpha: number; ratio: number }, command: Command) => {
      if ((opts.baseline === undefined) === (opts.sd === undefined)) throw new UsageError('Give --baseline (proportions) or --sd (means), not both.');
      const plan = opts.baseline !== undefined
        ? sampleSizeProportions({ rateA: opts.baseline, rateB: opts.baseline + opts.mde, power: opts.power, alpha: opts.alpha, ratio: opts.ratio })
        : sampleSizeMeans({ difference: opts.mde, sd: opts.sd!, power: opts.power, alpha: opts.alpha, ratio: opts.ratio });
      printObject(command, { per_arm_a: plan.nA, per_arm_b: plan.nB, total: plan.total, power: opts.power, alpha: opts.alpha }, [
        ['arm A', (p) => p.per_arm_a], ['arm B', (p) => p.per_arm_b], ['total', (p) => p.total],
      ]);
    }));
}
