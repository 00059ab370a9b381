import type { DriftReport, ReportColumn, ReportHistogram, ReportQuality } from './report.js';

/*
 * The HTML form of a drift report: one self-contained page (inline CSS and SVG, no script, no
 * external asset) that opens offline, is kept as a CI artifact, or is mailed as one file.
 */

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const num = (v: number | null, digits = 4): string => {
  if (v === null) return '–';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return String(Number(v.toFixed(digits)));
};
const pct = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)}%`;

const REF = '#4c78a8';
const CUR = '#f58518';

/** Side-by-side bars of reference and current shares, labels under the first and last bars (all for categories). */
function chart(h: ReportHistogram): string {
  const width = 640;
  const height = 200;
  const left = 44;
  const bottom = h.type === 'categorical' ? 70 : 34;
  const top = 10;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const n = h.labels.length;
  const max = Math.max(1e-12, ...h.reference, ...h.current);
  const slot = plotW / Math.max(n, 1);
  const bar = Math.max(1, slot * 0.4);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  for (const t of [0, 0.5, 1]) {
    const yy = y(max * t);
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 4}" y="${(yy + 4).toFixed(1)}" text-anchor="end" font-size="10">${esc(pct(max * t))}</text>`);
  }
  h.labels.forEach((label, i) => {
    const x0 = left + i * slot + slot * 0.1;
    const r = h.reference[i]!;
    const c = h.current[i]!;
    parts.push(`<rect x="${x0.toFixed(1)}" y="${y(r).toFixed(1)}" width="${bar.toFixed(1)}" height="${(top + plotH - y(r)).toFixed(1)}" fill="${REF}"><title>${esc(label)} reference ${esc(pct(r))}</title></rect>`);
    parts.push(`<rect x="${(x0 + bar).toFixed(1)}" y="${y(c).toFixed(1)}" width="${bar.toFixed(1)}" height="${(top + plotH - y(c)).toFixed(1)}" fill="${CUR}"${h.unseen[i] ? ' stroke="#c00" stroke-width="1.5"' : ''}><title>${esc(label)} current ${esc(pct(c))}${h.unseen[i] ? ' (not in the reference)' : ''}</title></rect>`);
    const cx = left + i * slot + slot / 2;
    if (h.type === 'categorical') {
      const text = label.length > 16 ? `${label.slice(0, 15)}…` : label;
      parts.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 10}" font-size="10" text-anchor="end" transform="rotate(-40 ${cx.toFixed(1)} ${top + plotH + 10})"${h.unseen[i] ? ' fill="#c00"' : ''}>${esc(text)}</text>`);
    } else if (i === 0 || i === n - 1 || n <= 8) {
      parts.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 14}" font-size="10" text-anchor="middle">${esc(label)}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(h.column)}: reference and current distributions">${parts.join('')}</svg>`;
}

function qualityCells(q: ReportQuality | undefined): string {
  if (!q) return '<td colspan="5">–</td>';
  const flag = (kind: string, text: string) => (q.issues.includes(kind as never) ? `<td class="bad">${text}</td>` : `<td>${text}</td>`);
  return [
    flag('missing', `${pct(q.missing_share)} <span class="muted">(ref ${pct(q.reference_missing_share)})</span>`),
    flag('out_of_range', q.type === 'numeric' ? pct(q.out_of_range_share) : '–'),
    flag('unseen_category', q.type === 'categorical' ? `${pct(q.unseen_share)}${q.unseen_values.length ? ` <span class="muted">${esc(q.unseen_values.slice(0, 5).join(', '))}</span>` : ''}` : '–'),
    flag('type_error', String(q.type_errors)),
    flag('constant', q.constant ? 'yes' : 'no'),
  ].join('');
}

function columnSection(c: ReportColumn, h: ReportHistogram | undefined, q: ReportQuality | undefined): string {
  return `<section class="column">
<h3>${esc(c.column)} <span class="badge ${c.drifted ? 'drift' : 'ok'}">${c.drifted ? 'drift' : 'no drift'}</span>${c.role === 'target' ? ' <span class="badge target">target</span>' : ''}</h3>
<p>${esc(c.type)} · test <b>${esc(c.test)}</b> · statistic ${esc(num(c.statistic))}${c.p_value !== null ? ` · p-value ${esc(num(c.p_value))}` : ''} · threshold ${esc(num(c.threshold))}</p>
${h ? chart(h) : ''}
${q && q.issues.length ? `<p class="bad">Data quality: ${esc(q.issues.join(', ').replaceAll('_', ' '))}</p>` : ''}
</section>`;
}

/** The report as one HTML page. */
export function renderReportHtml(report: DriftReport, histograms: readonly ReportHistogram[], generatedAt = new Date()): string {
  const hist = new Map(histograms.map((h) => [h.column, h]));
  const quality = new Map(report.data_quality.map((q) => [q.column, q]));
  const rows = report.columns
    .map((c) => `<tr class="${c.drifted ? 'drifted' : ''}"><td><a href="#col-${esc(c.column)}">${esc(c.column)}</a>${c.role === 'target' ? ' <span class="muted">(target)</span>' : ''}</td><td>${esc(c.type)}</td><td>${esc(c.test)}</td><td>${esc(num(c.statistic))}</td><td>${esc(num(c.p_value))}</td><td>${esc(num(c.threshold))}</td><td>${c.drifted ? '<b>drift</b>' : 'no'}</td>${qualityCells(quality.get(c.column))}</tr>`)
    .join('\n');
  const skipped = report.skipped.length
    ? `<h2>Not tested</h2><ul>${report.skipped.map((s) => `<li>${esc(s.column)}: ${esc(s.reason)}</li>`).join('')}</ul>`
    : '';
  const verdict = report.dataset_drifted
    ? `<p class="verdict drift">Dataset drift: ${report.drifted_columns} of ${report.evaluated_columns} feature columns drifted (share ${esc(num(report.drift_share, 3))} ≥ ${esc(num(report.drift_share_threshold))}).</p>`
    : `<p class="verdict ok">No dataset drift: ${report.drifted_columns} of ${report.evaluated_columns} feature columns drifted (share ${esc(num(report.drift_share, 3))} &lt; ${esc(num(report.drift_share_threshold))}).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report: ${esc(report.current.source)} against ${esc(report.reference.source)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
table{border-collapse:collapse;width:100%;margin:12px 0}th,td{border-bottom:1px solid #e4e4e4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6}tr.drifted td:first-child{border-left:3px solid #c00}.bad{color:#b00}.muted{color:#777;font-size:12px}
.badge{font-size:12px;padding:1px 6px;border-radius:8px;vertical-align:middle}.badge.drift{background:#fde0dc;color:#a00}.badge.ok{background:#e0f2e0;color:#060}.badge.target{background:#e8e8f8;color:#335}
.verdict{font-size:16px;padding:8px 12px;border-radius:6px}.verdict.drift{background:#fde0dc}.verdict.ok{background:#e0f2e0}
section.column{border-top:1px solid #eee;padding-top:8px;margin-top:16px}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 12px}
</style></head><body>
<h1>Drift report</h1>
<p>Reference <b>${esc(report.reference.source)}</b> (${report.reference.rows.toLocaleString('en-US')} rows) · current <b>${esc(report.current.source)}</b> (${report.current.rows.toLocaleString('en-US')} rows) · ${esc(generatedAt.toISOString())}</p>
${verdict}
<p>${report.quality_issues} column${report.quality_issues === 1 ? '' : 's'} with data-quality issues.</p>
<table><thead><tr><th>column</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>drift</th><th>missing</th><th>out of range</th><th>unseen categories</th><th>type errors</th><th>constant</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${skipped}
<h2>Distributions</h2>
<p class="legend"><span style="background:${REF}"></span>reference<span style="background:${CUR}"></span>current (outlined in red: values the reference never had)</p>
${report.columns.map((c) => `<div id="col-${esc(c.column)}">${columnSection(c, hist.get(c.column), quality.get(c.column))}</div>`).join('\n')}
</body></html>
`;
}
