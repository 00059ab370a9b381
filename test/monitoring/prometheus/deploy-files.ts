import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/*
 * What deploy/ asks Prometheus for: every PromQL expression of the Grafana dashboard (panel
 * targets and template queries) and of the alert rules, and the Puente metric names they read.
 */

export const DASHBOARD = 'deploy/grafana/puente-dashboard.json';
export const RULES = 'deploy/prometheus/puente-rules.yml';
export const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';

export interface Expression {
  /** Panel title or alert name. */
  readonly where: string;
  readonly expr: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export function dashboard(): { title: string; panels: Panel[]; templating: { list: { name: string; query: string | { query: string } }[] } } {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8'));
}

/** Panels of the dashboard, rows' nested panels included. */
export function panelsOf(d = dashboard()): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: Panel[] = []) => {
    for (const p of ps) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

export function dashboardExpressions(): Expression[] {
  const d = dashboard();
  const out: Expression[] = [];
  for (const p of panelsOf(d)) for (const t of p.targets ?? []) if (t.expr) out.push({ where: p.title ?? '?', expr: t.expr });
  for (const v of d.templating.list) out.push({ where: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query });
  return out;
}

export function ruleExpressions(): Expression[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: r.alert ?? r.record ?? '?', expr: String(r.expr) })));
}

/** Puente metric names an expression reads (as exported: a histogram is read through its _bucket series). */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\bpuente_[a-zA-Z0-9_]+/g) ?? [])];
}

/** The expression as Prometheus itself can run it: Grafana's variables replaced, label_values() as a plain selector. */
export function runnable(expr: string): string {
  const lv = /^label_values\(([^,]+),\s*\w+\)$/.exec(expr.trim());
  if (lv) return lv[1]!;
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$deployment', '.*');
}

/** Series names in a Prometheus text exposition, with how many samples each has. */
export function exportedSeries(exposition: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name) out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}
