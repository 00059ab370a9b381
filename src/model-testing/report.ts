import { SUITES, type CheckResult, type TestRun } from './runner.js';

/*
 * Reports of a test run: JUnit XML (what CI systems read: GitHub Actions reporters, GitLab,
 * Jenkins) with one testsuite per kind of check and one testcase per check, and markdown for a
 * pull request comment or a job summary.
 */

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; markup characters are escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** JUnit XML of a run. */
export function junitXml(run: TestRun): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = run.results.length;
  lines.push(
    `<testsuites name="${xml(`model tests: ${run.model} version ${run.version}`)}" tests="${total}" failures="${run.counts.failed}" errors="${run.counts.errors}" skipped="${run.counts.skipped}" time="${run.seconds.toFixed(3)}" timestamp="${xml(run.startedAt)}">`,
  );
  for (const suite of SUITES) {
    const cases = run.results.filter((r) => r.suite === suite);
    if (cases.length === 0) continue;
    const count = (s: CheckResult['status']) => cases.filter((c) => c.status === s).length;
    const time = cases.reduce((a, c) => a + c.seconds, 0);
    lines.push(
      `  <testsuite name="${suite}" tests="${cases.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${time.toFixed(3)}" timestamp="${xml(run.startedAt)}">`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="${xml(`${run.model}.${suite}`)}" name="${xml(c.name)}" time="${c.seconds.toFixed(3)}"`;
      const out = `      <system-out>${xml([`measured: ${c.measured || '-'}`, `threshold: ${c.threshold}`, c.message, c.details ? JSON.stringify(c.details) : ''].filter(Boolean).join('\n'))}</system-out>`;
      if (c.status === 'passed') lines.push(`${open}>`, out, '    </testcase>');
      else if (c.status === 'skipped') lines.push(`${open}>`, `      <skipped message="${xml(c.message)}"/>`, '    </testcase>');
      else {
        const tag = c.status === 'failed' ? 'failure' : 'error';
        lines.push(`${open}>`, `      <${tag} message="${xml(c.message)}" type="${c.status === 'failed' ? 'ThresholdNotMet' : 'CheckError'}">${xml(c.details ? JSON.stringify(c.details, null, 2) : c.message)}</${tag}>`, out, '    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

const ICON: Record<CheckResult['status'], string> = { passed: '✅', failed: '❌', error: '⚠️', skipped: '⏭️' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Markdown of a run: verdict, counts per suite, then one table row per check. */
export function markdownReport(run: TestRun): string {
  const out: string[] = [];
  const verdict = run.passed ? '✅ passed' : '❌ failed';
  out.push(`## Model tests: ${run.model} version ${run.version} — ${verdict}`, '');
  out.push(
    `${run.counts.passed} passed, ${run.counts.failed} failed, ${run.counts.errors} errors, ${run.counts.skipped} skipped; ${run.rows} rows; ${run.seconds.toFixed(1)} s (${run.startedAt}).`,
    '',
  );
  out.push('| suite | passed | failed | errors | skipped |', '|---|---|---|---|---|');
  for (const suite of SUITES) {
    const cases = run.results.filter((r) => r.suite === suite);
    if (cases.length === 0) continue;
    const n = (s: CheckResult['status']) => cases.filter((c) => c.status === s).length;
    out.push(`| ${suite} | ${n('passed')} | ${n('failed')} | ${n('error')} | ${n('skipped')} |`);
  }
  for (const suite of SUITES) {
    const cases = run.results.filter((r) => r.suite === suite);
    if (cases.length === 0) continue;
    out.push('', `### ${suite[0].toUpperCase()}${suite.slice(1)}`, '', '| | check | measured | threshold | detail |', '|---|---|---|---|---|');
    for (const c of cases) out.push(`| ${ICON[c.status]} | ${cell(c.name)} | ${cell(c.measured || '-')} | ${cell(c.threshold)} | ${cell(c.message)} |`);
    for (const c of cases.filter((x) => x.suite === 'slices' && x.details?.slices)) {
      const rows = c.details!.slices as { slice: string; rows: number; value: number; judged: boolean }[];
      out.push('', `<details><summary>${cell(c.name)}: every slice</summary>`, '', '| slice | rows | value | judged |', '|---|---|---|---|');
      for (const r of rows) out.push(`| ${cell(r.slice)} | ${r.rows} | ${Number.isNaN(r.value) || r.value === null ? 'n/a' : r.value.toFixed(4)} | ${r.judged ? 'yes' : 'no'} |`);
      out.push('', '</details>');
    }
  }
  out.push('');
  return out.join('\n');
}
