/*
 * Which ground-truth labels a prediction can take. A label of the wrong kind (0.7 for a binary
 * classifier, "high" for a regressor) would silently turn into a wrong accuracy or a NaN error
 * later; it is refused when it arrives instead.
 */

/** The task of a model, as its bundle manifest names it. */
export type LabelTask = 'binary_classification' | 'multiclass_classification' | 'regression';

/** What labels a model version accepts. */
export type LabelRule =
  /** One of the classes (compared as text; true/false count as 1/0). Without classes: 0/1 for binary, a class index for multiclass. */
  | { readonly kind: 'class'; readonly task: 'binary_classification' | 'multiclass_classification'; readonly classes?: readonly string[] }
  /** A finite number (regression). */
  | { readonly kind: 'number' }
  /** Any number, string or boolean (e.g. a business value an A/B test compares). */
  | { readonly kind: 'any' };

/** The rule of a model's task and classes. */
export function labelRuleFor(task: LabelTask, classes?: readonly (string | number)[]): LabelRule {
  if (task === 'regression') return { kind: 'number' };
  return { kind: 'class', task, ...(classes && classes.length > 0 ? { classes: classes.map(String) } : {}) };
}

/** A label as the class text it stands for (true → "1"). */
export function labelText(label: unknown): string {
  return typeof label === 'boolean' ? (label ? '1' : '0') : String(label);
}

/** Why `label` does not fit `rule` (a sentence ending the model's name), or null when it fits. */
export function checkLabel(rule: LabelRule | null, label: unknown): string | null {
  if (rule === null || rule.kind === 'any') return null;
  if (rule.kind === 'number') {
    return typeof label === 'number' && Number.isFinite(label) ? null : `is a regression model: its label must be a number, got ${JSON.stringify(label)}.`;
  }
  const text = labelText(label);
  if (rule.classes) {
    if (rule.classes.includes(text)) return null;
    // Booleans and 0/1 also name the two classes of a binary model in class order.
    if (rule.task === 'binary_classification' && rule.classes.length === 2 && (text === '0' || text === '1')) return null;
    return `is a classifier of ${rule.classes.map((c) => JSON.stringify(c)).join(', ')}: got ${JSON.stringify(label)}.`;
  }
  if (rule.task === 'binary_classification') {
    return text === '0' || text === '1' ? null : `is a binary classifier: its label must be 0, 1, true or false, got ${JSON.stringify(label)}.`;
  }
  return /^(0|[1-9]\d*)$/.test(text) && typeof label !== 'boolean'
    ? null
    : `is a multiclass classifier without class names: its label must be a class index (0, 1, 2, …), got ${JSON.stringify(label)}.`;
}
