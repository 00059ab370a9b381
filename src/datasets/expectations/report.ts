import type { Expectation, ValidationResult } from './types.js';

const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The expectation in one line: kind, column and arguments. */
export function describeExpectation(e: Expectation): string {
  const { expect, ...args } = e as Expectation & Record<string, unknown>;
  const column = 'column' in args ? `${String(args.column)}: ` : '';
  delete (args as Record<string, unknown>).column;
  const rest = Object.entries(args).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`).join(', ');
  return `${expect}(${column}${rest})`.replace(': )', ')');
}

const format = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : v === null || v === undefined ? '' : String(v));

/**
 * A validation result as one self-contained HTML page (no scripts, no external files): the
 * verdict, one row per expectation with what was observed, samples of failing values, and a
 * sample of failing rows.
 */
export function renderValidationHtml(result: ValidationResult): string {
  const title = `${result.success ? 'PASSED' : 'FAILED'}: ${result.suite_name}${result.dataset ? ` on ${result.dataset.name}@${result.dataset.version}` : ''}`;
  const rows = result.results
    .map((r, i) => {
      const observed = r.error ?? (r.unexpected_count !== undefined ? `${r.unexpected_count} unexpected of ${r.element_count} (${format(r.unexpected_percent)}%)` : format(r.observed));
      const details = r.details ? Object.entries(r.details).map(([k, v]) => `${k} ${format(v)}`).join(', ') : '';
      const samples = (r.unexpected_samples ?? []).map((s) => `line ${s.line}: ${escape(JSON.stringify(s.value))}`).join('<br>');
      return `<tr class="${r.success ? 'ok' : 'bad'}"><td>${i + 1}</td><td>${r.success ? '✓' : '✗'}</td><td><code>${escape(describeExpectation(r.expectation))}</code></td><td>${escape(observed)}${details ? `<br><small>${escape(details)}</small>` : ''}</td><td><small>${samples}</small></td></tr>`;
    })
    .join('\n');
  const columns = [...new Set(result.failing_rows.flatMap((r) => Object.keys(r.row)))];
  const failing = result.failing_rows.length === 0
    ? '<p>No row failed a row expectation.</p>'
    : `<table><thead><tr><th>line</th><th>failed</th>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${result.failing_rows
        .map((r) => `<tr><td>${r.line}</td><td>${r.failed.map((i) => i + 1).join(', ')}</td>${columns.map((c) => `<td>${escape(format(r.row[c]))}</td>`).join('')}</tr>`)
        .join('\n')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}.verdict-ok{color:#17653a}.verdict-bad{color:#a4161a}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
tr.bad td:nth-child(2){color:#a4161a;font-weight:bold}tr.ok td:nth-child(2){color:#17653a}code{font-size:13px}
</style></head><body>
<h1 class="${result.success ? 'verdict-ok' : 'verdict-bad'}">${escape(title)}</h1>
<p>${result.row_count} rows; ${result.statistics.successful} of ${result.statistics.evaluated} expectations met (${format(result.statistics.success_percent)}%)${result.dataset ? `; content sha256 <code>${escape(result.dataset.digest)}</code>` : ''}; ${result.run_time_ms} ms.</p>
<h2>Expectations</h2>
<table><thead><tr><th>#</th><th></th><th>expectation</th><th>observed</th><th>failing values (sample)</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Failing rows (sample)</h2>
${failing}
</body></html>
`;
}
