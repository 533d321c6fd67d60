import { invalidSearch } from './errors';

/*
 * Okta's SCIM-style filter expressions, used by `search` and `filter` on groups, users and apps and by
 * `filter` on the System Log: `profile.name eq "gold" and (type eq "OKTA_GROUP" or type eq "BUILT_IN")`.
 * Operators eq ne co sw ew gt ge lt le pr, `and`, `or`, `not(...)`, parentheses. `eq`/`ne` compare exactly;
 * `co`/`sw`/`ew` ignore case (Okta's own examples use them for name lookups).
 * A malformed expression is 400 E0000031 "Invalid search criteria.".
 */

export type Predicate = (subject: unknown) => boolean;

export interface CompiledFilter {
  test: Predicate;
  /** Attribute paths the expression uses, so an endpoint can refuse unsupported ones. */
  attributes: string[];
}

type Token = { kind: 'word'; value: string } | { kind: 'string'; value: string } | { kind: 'paren'; value: '(' | ')' };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', value: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        value += input[i++];
      }
      if (input[i] !== '"') throw invalidSearch(`Unterminated string in: ${input}`);
      i++;
      tokens.push({ kind: 'string', value });
    } else {
      let value = '';
      while (i < input.length && !/[\s()"]/.test(input[i])) value += input[i++];
      tokens.push({ kind: 'word', value });
    }
  }
  return tokens;
}

const COMPARISONS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** Reads `a.b.c` from an object; through an array it collects every element's value (SCIM multi-valued attributes). */
export function readPath(subject: unknown, path: string): unknown {
  let node: unknown = subject;
  for (const part of path.split('.')) {
    if (Array.isArray(node)) node = node.flatMap((n) => (n !== null && typeof n === 'object' ? [(n as Record<string, unknown>)[part]] : []));
    else if (node === null || typeof node !== 'object') return undefined;
    else node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function compare(op: string, actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => compare(op, a, expected));
  if (op === 'eq') return actual === expected || (typeof actual === 'number' && Number(expected) === actual);
  if (op === 'ne') return !compare('eq', actual, expected);
  if (actual === undefined || actual === null) return false;
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const e = typeof expected === 'string' ? expected.toLowerCase() : expected;
  switch (op) {
    case 'co':
      return String(a).includes(String(e));
    case 'sw':
      return String(a).startsWith(String(e));
    case 'ew':
      return String(a).endsWith(String(e));
    case 'gt':
      return (a as string | number) > (e as string | number);
    case 'ge':
      return (a as string | number) >= (e as string | number);
    case 'lt':
      return (a as string | number) < (e as string | number);
    case 'le':
      return (a as string | number) <= (e as string | number);
    default:
      return false;
  }
}

export function compileFilter(expression: string): CompiledFilter {
  const tokens = tokenize(expression);
  const attributes: string[] = [];
  let pos = 0;
  const fail = (why: string): never => {
    throw invalidSearch(`${why} in: ${expression}`);
  };
  const peekWord = () => {
    const t = tokens[pos];
    return t?.kind === 'word' ? t.value.toLowerCase() : undefined;
  };

  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peekWord() === 'or') {
      pos++;
      const l = left;
      const r = parseAnd();
      left = (s) => l(s) || r(s);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseUnary();
    while (peekWord() === 'and') {
      pos++;
      const l = left;
      const r = parseUnary();
      left = (s) => l(s) && r(s);
    }
    return left;
  };
  const parseUnary = (): Predicate => {
    if (peekWord() === 'not') {
      pos++;
      const inner = parsePrimary();
      return (s) => !inner(s);
    }
    return parsePrimary();
  };
  const parsePrimary = (): Predicate => {
    const t = tokens[pos];
    if (!t) return fail('Unexpected end of expression');
    if (t.kind === 'paren' && t.value === '(') {
      pos++;
      const inner = parseOr();
      const close = tokens[pos];
      if (close?.kind !== 'paren' || close.value !== ')') fail('Missing )');
      pos++;
      return inner;
    }
    if (t.kind !== 'word') return fail(`Unexpected ${JSON.stringify(t.value)}`);
    const path = t.value;
    pos++;
    const op = peekWord();
    if (!op) return fail(`Missing operator after ${path}`);
    pos++;
    attributes.push(path);
    if (op === 'pr') return (s) => readPath(s, path) !== undefined && readPath(s, path) !== null;
    if (!COMPARISONS.includes(op)) return fail(`Unsupported operator ${op}`);
    const v = tokens[pos];
    if (!v || v.kind === 'paren') return fail(`Missing value after ${path} ${op}`);
    pos++;
    let expected: unknown;
    if (v.kind === 'string') expected = v.value;
    else if (v.value === 'true' || v.value === 'false') expected = v.value === 'true';
    else if (v.value === 'null') expected = null;
    else if (/^-?\d+(\.\d+)?$/.test(v.value)) expected = Number(v.value);
    else return fail(`Unquoted value ${v.value}`);
    return (s) => compare(op, readPath(s, path), expected);
  };

  if (tokens.length === 0) fail('Empty expression');
  const test = parseOr();
  if (pos !== tokens.length) fail(`Unexpected ${JSON.stringify(tokens[pos].value)}`);
  return { test, attributes };
}

/** Compiles `expression` and refuses attributes outside `allowed` (Okta's `filter` supports few). */
export function compileRestrictedFilter(expression: string, allowed: readonly string[]): CompiledFilter {
  const compiled = compileFilter(expression);
  const unsupported = compiled.attributes.filter((a) => !allowed.includes(a));
  if (unsupported.length) throw invalidSearch(`Filtering is not supported on ${unsupported.join(', ')}; supported: ${allowed.join(', ')}`);
  return compiled;
}
