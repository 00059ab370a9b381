import type { DatasetVersion } from '../types.js';
import type { Expectation, ExpectationSuite } from './types.js';

/** Categorical columns with at most this many values get an in_set expectation. */
const IN_SET_LIMIT = 50;

const floor2 = (x: number) => Math.floor(x * 100) / 100;
const nice = (x: number) => Number(x.toPrecision(6));

/**
 * Drafts a suite from a version's profile, for a person to review: every column exists with its
 * type; not null where it was complete (else `mostly` just under what was seen); numbers within the
 * observed range and the mean and median within a band around what was seen; small categorical
 * columns within their set; complete distinct columns unique; row count within ±50%; and every
 * column's distribution close to this version's.
 */
export function suggestSuite(version: DatasetVersion): ExpectationSuite {
  const rows = version.row_count;
  const out: Expectation[] = [{ expect: 'row_count_between', min: Math.floor(rows * 0.5), max: Math.ceil(rows * 1.5) }];
  for (const c of version.profile.columns) {
    out.push({ expect: 'column_exists', column: c.name });
    out.push({ expect: 'column_type', column: c.name, type: c.type });
    if (c.count === 0) continue;
    if (c.missing_count === 0) out.push({ expect: 'not_null', column: c.name });
    else out.push({ expect: 'not_null', column: c.name, mostly: Math.max(0, floor2(1 - c.missing_share - 0.01)) });
    if (c.distinct_exact && c.distinct_count === c.count && c.missing_count === 0 && rows > 1 && (c.type === 'integer' || c.type === 'string')) {
      out.push({ expect: 'unique', column: c.name });
    }
    const numeric = c.type === 'integer' || c.type === 'float';
    if (numeric && c.min !== undefined && c.max !== undefined) {
      out.push({ expect: 'between', column: c.name, min: c.min, max: c.max });
      const band = Math.max((c.std ?? 0) * 0.25, Math.abs(c.mean ?? 0) * 0.05);
      if (c.mean !== undefined) out.push({ expect: 'mean_between', column: c.name, min: nice(c.mean - band), max: nice(c.mean + band) });
      if (c.quantiles) out.push({ expect: 'median_between', column: c.name, min: nice(c.quantiles.p50 - band), max: nice(c.quantiles.p50 + band) });
    } else if (c.categories && c.categories.exact && c.categories.other_count === 0 && c.distinct_count <= IN_SET_LIMIT && c.type !== 'boolean') {
      out.push({ expect: 'in_set', column: c.name, values: c.categories.values.map((v) => v.value).sort() });
    }
    out.push({ expect: 'distribution_close_to', column: c.name, reference: `${version.name}@${version.version}`, max_psi: 0.2 });
  }
  return { name: `${version.name}-suggested`, expectations: out };
}
