import { InvalidParameterError } from '../errors/index.js';

/** A lexical token of a filter or order_by expression. */
export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly pos: number }
  | { readonly kind: 'quoted-name'; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly text: string; readonly pos: number }
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'op'; readonly text: string; readonly pos: number }
  | { readonly kind: 'punct'; readonly text: '(' | ')' | ',' | '.'; readonly pos: number };

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/y;
const OPERATORS = ['!=', '<>', '>=', '<=', '=', '>', '<'] as const;

/**
 * Splits a filter into tokens. Single quotes delimit string values; backticks and double
 * quotes delimit names, but double quotes may also hold a value (the parser decides by position).
 */
export function tokenize(text: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const { value, end } = readQuoted(text, i, field);
      tokens.push({ kind: c === "'" ? 'string' : 'quoted-name', text: value, pos: i });
      i = end;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      // A dot followed by a digit starts a number such as .5
      if (c === '.' && /\d/.test(text[i + 1] ?? '') && tokens.at(-1)?.kind === 'op') {
        i = pushNumber(tokens, text, i);
        continue;
      }
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op === '<>' ? '!=' : op, pos: i });
      i += op.length;
      continue;
    }
    if (/[\d+-]/.test(c)) {
      i = pushNumber(tokens, text, i);
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw new InvalidParameterError(`Invalid ${field} '${text}': unexpected character '${c}' at position ${i}.`, field);
  }
  return tokens;
}

function pushNumber(tokens: Token[], text: string, i: number): number {
  NUMBER.lastIndex = i;
  const m = NUMBER.exec(text);
  if (!m) throw new InvalidParameterError(`Invalid filter '${text}': unexpected '${text[i]}' at position ${i}.`, 'filter');
  // Digits glued to letters ("1abc") are not a number.
  if (/[A-Za-z_]/.test(text[i + m[0].length] ?? '')) {
    throw new InvalidParameterError(`Invalid filter '${text}': '${text.slice(i).split(/\s/)[0]}' is neither a number nor a quoted string.`, 'filter');
  }
  tokens.push({ kind: 'number', value: Number(m[0]), text: m[0], pos: i });
  return i + m[0].length;
}

/** Reads a quoted run starting at `start`; a doubled quote or a backslash escapes the quote. */
function readQuoted(text: string, start: number, field: string): { value: string; end: number } {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return { value: out, end: i + 1 };
    }
    out += c;
    i++;
  }
  throw new InvalidParameterError(`Invalid ${field} '${text}': the quote opened at position ${start} is never closed.`, field);
}
