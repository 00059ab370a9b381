import { InvalidParameterError } from '../errors/index.js';
import type { Comparator, FilterClause, FilterEntity, OrderTerm } from './ast.js';
import type { SearchGrammar } from './grammars.js';
import { tokenize, type Token } from './tokenize.js';

const ENTITY_ALIASES: Readonly<Record<string, FilterEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const DATASET_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

function fail(text: string, why: string): never {
  throw new InvalidParameterError(`Invalid filter '${text}': ${why}`, 'filter');
}

/** A cursor over tokens with the source text kept for messages. */
class Cursor {
  i = 0;
  constructor(readonly tokens: Token[], readonly text: string) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  atPunct(p: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === p;
  }
  atWord(w: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === w;
  }
}

/** Reads `entity.key`, `entity.\`quoted key\``, `entity."quoted key"` or a bare attribute name. */
function readIdentifier(c: Cursor, what: 'filter' | 'order_by'): { entity: FilterEntity; key: string; raw: string } {
  const first = c.next();
  if (!first || (first.kind !== 'word' && first.kind !== 'quoted-name')) {
    const shown = first ? ('text' in first ? first.text : '') : 'the end';
    if (what === 'filter') fail(c.text, `expected '<entity>.<key>' but found '${shown}'.`);
    throw new InvalidParameterError(`Invalid order_by clause '${c.text}': expected '<entity>.<key>'.`, 'order_by');
  }
  if (first.kind === 'word' && c.atPunct('.')) {
    const entity = ENTITY_ALIASES[first.text.toLowerCase()];
    c.next();
    const parts: string[] = [];
    const keyToken = c.next();
    if (keyToken?.kind === 'quoted-name') parts.push(keyToken.text);
    else if (keyToken?.kind === 'word' || keyToken?.kind === 'number') {
      parts.push(keyToken.text);
      // Unquoted keys may contain dots: metrics.train.loss
      while (c.atPunct('.')) {
        c.next();
        const more = c.next();
        if (!more || (more.kind !== 'word' && more.kind !== 'number')) fail(c.text, `incomplete key after '${parts.join('.')}.'.`);
        parts.push(more.text);
      }
    } else {
      fail(c.text, `expected a key after '${first.text}.'.`);
    }
    const key = parts.join('.');
    if (!entity) {
      const message = `unknown entity '${first.text}' in '${first.text}.${key}'; use metrics., params., tags., attributes. or datasets.`;
      if (what === 'filter') fail(c.text, message);
      throw new InvalidParameterError(`Invalid order_by clause '${c.text}': ${message}`, 'order_by');
    }
    if (key === '') fail(c.text, `empty key after '${first.text}.'.`);
    return { entity, key, raw: `${first.text}.${key}` };
  }
  return { entity: 'attribute', key: first.text, raw: first.text };
}

function readComparator(c: Cursor): Comparator {
  const t = c.next();
  if (t?.kind === 'op') return t.text as Comparator;
  if (t?.kind === 'word') {
    const w = t.text.toUpperCase();
    if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
    if (w === 'NOT' && c.atWord('IN')) {
      c.next();
      return 'NOT IN';
    }
  }
  fail(c.text, `expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) but found '${t && 'text' in t ? t.text : 'the end'}'.`);
}

function readValue(c: Cursor, comparator: Comparator): number | string | string[] {
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (!c.atPunct('(')) fail(c.text, `${comparator} needs a parenthesized list of quoted strings, like ('a', 'b').`);
    c.next();
    const values: string[] = [];
    for (;;) {
      const t = c.next();
      if (t?.kind !== 'string' && t?.kind !== 'quoted-name') fail(c.text, `${comparator} lists hold quoted strings only.`);
      values.push(t.text);
      if (c.atPunct(',')) {
        c.next();
        continue;
      }
      if (c.atPunct(')')) {
        c.next();
        return values;
      }
      fail(c.text, `expected ',' or ')' in the ${comparator} list.`);
    }
  }
  const t = c.next();
  if (t?.kind === 'number') return t.value;
  if (t?.kind === 'string' || t?.kind === 'quoted-name') return t.text;
  fail(c.text, `expected a number or a quoted string value but found '${t && 'text' in t ? t.text : 'the end'}'.`);
}

function checkClause(text: string, grammar: SearchGrammar, id: { entity: FilterEntity; key: string; raw: string }, comparator: Comparator, value: number | string | string[]): FilterClause {
  const { entity } = id;
  if (entity !== 'attribute' && !grammar.entities.includes(entity)) {
    fail(text, `'${id.raw}': ${entity} clauses are not supported when searching ${grammar.resource}.`);
  }
  if (entity === 'metric') {
    if (!NUMERIC_COMPARATORS.includes(comparator)) fail(text, `invalid comparator '${comparator}' for metric '${id.key}'; use one of ${NUMERIC_COMPARATORS.join(' ')}.`);
    if (typeof value !== 'number') fail(text, `metric '${id.key}' must be compared with a number, not a string.`);
    return { entity, key: id.key, comparator, value };
  }
  if (entity === 'param' || entity === 'tag') {
    if (!grammar.keyValueComparators.includes(comparator)) {
      fail(text, `invalid comparator '${comparator}' for ${entity} '${id.key}'; use one of ${grammar.keyValueComparators.join(' ')}.`);
    }
    if (typeof value !== 'string') fail(text, `${entity} '${id.key}' must be compared with a quoted string value, e.g. ${id.raw} = '${value}'.`);
    return { entity, key: id.key, comparator, value };
  }
  if (entity === 'dataset') {
    if (!grammar.datasetKeys.includes(id.key)) fail(text, `unknown dataset attribute '${id.key}'; use one of ${grammar.datasetKeys.join(', ')}.`);
    if (!DATASET_COMPARATORS.includes(comparator)) fail(text, `invalid comparator '${comparator}' for dataset '${id.key}'.`);
    if (typeof value === 'number') fail(text, `dataset '${id.key}' must be compared with a quoted string value.`);
    return { entity, key: id.key, comparator, value };
  }
  const canonical = grammar.attributeAliases[id.key.toLowerCase()] ?? id.key;
  const rule = grammar.attributes[canonical];
  if (!rule) {
    fail(text, `unknown attribute '${id.key}' for ${grammar.resource}; valid attributes are ${Object.keys(grammar.attributes).join(', ')}.`);
  }
  if (!rule.comparators.includes(comparator)) {
    fail(text, `invalid comparator '${comparator}' for attribute '${canonical}'; use one of ${rule.comparators.join(' ')}.`);
  }
  if (rule.type === 'numeric' && typeof value !== 'number') fail(text, `attribute '${canonical}' must be compared with a number.`);
  if (rule.type === 'string' && typeof value === 'number') {
    fail(text, `attribute '${canonical}' must be compared with a quoted string value, e.g. ${canonical} = '${value}'.`);
  }
  return { entity, key: canonical, comparator, value };
}

/**
 * Parses an MLflow search filter (clauses joined by AND) into validated clauses.
 *
 * @example
 * parseFilter("metrics.auc > 0.8 and params.model = 'gbdt'", RUN_SEARCH)
 * // [{entity:'metric', key:'auc', comparator:'>', value:0.8}, {entity:'param', key:'model', comparator:'=', value:'gbdt'}]
 */
export function parseFilter(text: string | undefined | null, grammar: SearchGrammar): FilterClause[] {
  if (text === undefined || text === null || text.trim() === '') return [];
  const c = new Cursor(tokenize(text, 'filter'), text);
  const clauses: FilterClause[] = [];
  for (;;) {
    const id = readIdentifier(c, 'filter');
    const comparator = readComparator(c);
    const value = readValue(c, comparator);
    clauses.push(checkClause(text, grammar, id, comparator, value));
    if (c.peek() === undefined) return clauses;
    if (c.atWord('AND')) {
      c.next();
      continue;
    }
    if (c.atWord('OR')) fail(text, 'OR is not supported; clauses can only be joined by AND.');
    const t = c.peek()!;
    fail(text, `expected AND or the end after a clause but found '${'text' in t ? t.text : ''}'.`);
  }
}

/**
 * Parses `order_by` terms such as `metrics.auc DESC` or `start_time`.
 *
 * @example
 * parseOrderBy(['metrics.auc DESC'], RUN_SEARCH) // [{entity:'metric', key:'auc', ascending:false}]
 */
export function parseOrderBy(items: readonly string[] | undefined | null, grammar: SearchGrammar): OrderTerm[] {
  if (!items) return [];
  const terms: OrderTerm[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new InvalidParameterError(`Invalid order_by clause '${String(item)}': it is empty.`, 'order_by');
    }
    const bad = (why: string): never => {
      throw new InvalidParameterError(`Invalid order_by clause '${item}': ${why}`, 'order_by');
    };
    let c: Cursor;
    try {
      c = new Cursor(tokenize(item, 'order_by'), item);
    } catch (err) {
      return bad((err as Error).message);
    }
    const id = readIdentifier(c, 'order_by');
    let ascending = true;
    if (c.atWord('ASC') || c.atWord('DESC')) ascending = c.next()!.text.toUpperCase() === 'ASC';
    if (c.peek() !== undefined) bad(`expected ASC or DESC after '${id.raw}'.`);
    if (id.entity === 'attribute') {
      const canonical = grammar.attributeAliases[id.key.toLowerCase()] ?? id.key;
      if (!grammar.orderAttributes.includes(canonical)) {
        bad(`cannot order ${grammar.resource} by '${id.key}'; use one of ${grammar.orderAttributes.join(', ')}.`);
      }
      terms.push({ entity: 'attribute', key: canonical, ascending });
    } else {
      if (!grammar.orderEntities.includes(id.entity)) bad(`${grammar.resource} cannot be ordered by ${id.entity}s.`);
      terms.push({ entity: id.entity, key: id.key, ascending });
    }
  }
  return terms;
}
