import { distance } from 'fastest-levenshtein';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { SecretRef } from './secrets';
import { FIX_SEPARATOR, TenantSchema, type IdentityProviderKind, type OktaTenantConfig, type Rfc7591TenantConfig, type TenantConfig, type TenantFileInput } from './tenant-schema';

export { TenantSchema };
export type { IdentityProviderKind, OktaTenantConfig, Rfc7591TenantConfig, TenantConfig, TenantFileInput };

export { identityProviderKind, oktaTenant } from './tenant-kind';

/** One problem in a tenant file, in words a person can act on. */
export interface TenantConfigIssue {
  /** Field path as written in the file, e.g. `anypoint.api.policies[1].scopes[0]`; `(file)` for the whole file. */
  path: string;
  /** What is wrong, e.g. `scope "platinum" is not defined in okta.scopes`. */
  message: string;
  /** What to do about it, in plain words. */
  fix: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

/** A tenant file that cannot be used; `issues` lists every problem found, not just the first. */
export class TenantConfigError extends Error {
  readonly code = 'TENANT_CONFIG_INVALID';
  override readonly name = 'TenantConfigError';

  constructor(
    readonly file: string,
    readonly issues: TenantConfigIssue[],
  ) {
    super(`${file} is not a valid tenant file: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Repairs for shapes that are one of several alternatives, where zod can only say "no match". */
const ALTERNATIVES_FIX: Record<string, string> = {
  'okta.authorizationServer': 'write either create: { name, description, audience } or adopt: default (or the id or exact name of an existing authorization server)',
  assignment: 'write either { mode: manual, reminderEvery: 1h, deadline: 72h } or { mode: auto }',
};

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '') || '(file)';
}

/**
 * Turns zod issues into ours. Issues never quote the offending value: it may be a secret
 * written inline by mistake.
 */
function toIssues(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): TenantConfigIssue[] {
  const fullPath = [...prefix, ...issue.path];
  const path = pathOf(fullPath);
  const [message, fix] = issue.message.split(FIX_SEPARATOR);
  if (fix !== undefined) return [{ path, message, fix }];
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.endsWith('received undefined')
        ? [{ path, message: 'is required', fix: `add ${path} (${describeExpected(issue.expected)})` }]
        : [{ path, message: `must be ${describeExpected(issue.expected)}`, fix: `write ${path} as ${describeExpected(issue.expected)}` }];
    case 'unrecognized_keys':
      return [{ path, message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`, fix: 'remove it or correct its spelling (schema/tenant.schema.json lists every field)' }];
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map(String).join(', ')}`, fix: `use one of: ${issue.values.map(String).join(', ')}` }];
    case 'invalid_union': {
      // When exactly one alternative was clearly meant (its own key is present), report its problems.
      const meant = issue.errors.filter((branch) => !branch.some((b) => b.code === 'invalid_type' && b.path.length === 1 && b.message.endsWith('received undefined')));
      if (meant.length === 1 && meant[0].length > 0) return meant[0].flatMap((b) => toIssues(b, fullPath));
      return [{ path, message: 'does not match any accepted form', fix: ALTERNATIVES_FIX[path] ?? 'see schema/tenant.schema.json for the accepted forms' }];
    }
    case 'too_small':
      return [{ path, message: issue.message, fix: issue.origin === 'array' ? `list at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'} under ${path}` : `correct ${path}` }];
    case 'too_big':
      return [{ path, message: issue.message, fix: `lower ${path}` }];
    default:
      return [{ path, message: issue.message, fix: `correct ${path}` }];
  }
}

function describeExpected(expected: string): string {
  return ({ object: 'a mapping', array: 'a list', string: 'a text value', number: 'a number', boolean: 'true or false' } as Record<string, string>)[expected] ?? expected;
}

/** Relative file references (RAML, secret files) are relative to the tenant file, not to the worker's cwd. */
function resolveRelativePaths(cfg: TenantConfig, baseDir: string): TenantConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const ref = (r: SecretRef): SecretRef => ('file' in r ? { file: abs(r.file) } : r);
  const provider = cfg.okta
    ? { okta: { ...cfg.okta, apiToken: ref(cfg.okta.apiToken), ...(cfg.okta.oauth ? { oauth: { ...cfg.okta.oauth, privateKey: ref(cfg.okta.oauth.privateKey) } } : {}) } }
    : { rfc7591: { ...cfg.rfc7591, initialAccessToken: ref(cfg.rfc7591.initialAccessToken), introspectionClient: { ...cfg.rfc7591.introspectionClient, clientSecret: ref(cfg.rfc7591.introspectionClient.clientSecret) } } };
  return {
    ...cfg,
    ...provider,
    anypoint: {
      ...cfg.anypoint,
      connectedApp: { clientId: ref(cfg.anypoint.connectedApp.clientId), clientSecret: ref(cfg.anypoint.connectedApp.clientSecret) },
      api: { ...cfg.anypoint.api, ...(cfg.anypoint.api.raml ? { raml: abs(cfg.anypoint.api.raml) } : {}) },
    },
  } as TenantConfig;
}

/**
 * Validates an already parsed tenant document (pure: reads no file). Relative paths resolve
 * against `baseDir`. Throws a `TenantConfigError` listing every problem.
 */
export function parseTenantConfig(doc: unknown, file = '(inline)', baseDir = process.cwd()): TenantConfig {
  const result = TenantSchema.safeParse(doc);
  if (!result.success) throw new TenantConfigError(file, suggestSpellings(dedupe(result.error.issues.flatMap((i) => toIssues(i)))));
  // The cross-field checks passed, so exactly one of okta and rfc7591 is present.
  return resolveRelativePaths(result.data as TenantConfig, baseDir);
}

/**
 * A misspelt field shows up twice: unknown at its parent, and the field it meant as required there.
 * The pair becomes one issue that says which spelling was meant.
 */
function suggestSpellings(issues: TenantConfigIssue[]): TenantConfigIssue[] {
  const required = issues.filter((i) => i.message === 'is required');
  const merged = new Set<TenantConfigIssue>();
  const out = issues.map((issue) => {
    const unknown = /^unknown fields?: (.+)$/.exec(issue.message);
    if (!unknown) return issue;
    const siblings = required.filter((r) => r.path.startsWith(issue.path === '' ? '' : `${issue.path}.`) && !r.path.slice(issue.path.length + 1).includes('.'));
    for (const key of unknown[1].split(', ')) {
      const meant = siblings.map((r) => ({ r, field: r.path.split('.').pop()! })).find(({ field }) => distance(field, key) <= Math.max(1, Math.floor(field.length / 4)));
      if (!meant) continue;
      merged.add(meant.r);
      return { ...issue, path: meant.r.path, message: `unknown field ${key}: did you mean ${meant.field}?`, fix: `rename ${key} to ${meant.field}` };
    }
    return issue;
  });
  return out.filter((i) => !merged.has(i));
}

function dedupe(issues: TenantConfigIssue[]): TenantConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads and validates one tenant file before anything runs; every issue carries its line when known. */
export function loadTenantFile(file: string): TenantConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TenantConfigError(file, [{ path: '(file)', message: `cannot be read (${code})`, fix: 'check the path of the tenant file and that it is readable' }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new TenantConfigError(
      file,
      doc.errors.map((e) => {
        const line = e.linePos?.[0].line;
        return { path: line ? `(line ${line})` : '(file)', message: e.message.split('\n')[0], fix: 'fix the YAML syntax at that line (indentation, quotes, brackets, a repeated key)', line };
      }),
    );
  }
  const baseDir = dirname(resolve(file));
  let cfg: TenantConfig;
  try {
    cfg = parseTenantConfig(doc.toJS(), file, baseDir);
  } catch (err) {
    if (err instanceof TenantConfigError) throw new TenantConfigError(file, err.issues.map((i) => ({ ...i, line: lineOf(doc, lines, i.path) })));
    throw err;
  }
  const raml = cfg.anypoint.api.raml;
  if (raml) {
    try {
      accessSync(raml, constants.R_OK);
    } catch {
      throw new TenantConfigError(file, [{ path: 'anypoint.api.raml', message: `file ${raml} cannot be read`, fix: 'correct the path (relative paths start at the tenant file) or remove anypoint.api.raml', line: lineOf(doc, lines, 'anypoint.api.raml') }]);
    }
  }
  return cfg;
}

/** Line of the field at `path` (or of its nearest existing parent, for a missing field). */
function lineOf(doc: Document, lines: LineCounter, path: string): number | undefined {
  if (path.startsWith('(')) return undefined;
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** One block a CLI can print: every problem with its field path, line and fix. */
export function formatTenantConfigError(err: TenantConfigError): string {
  const count = err.issues.length === 1 ? '1 problem' : `${err.issues.length} problems`;
  return [
    `${err.file} is not a valid tenant file (${count}):`,
    ...err.issues.map((i) => `  - ${i.path}${i.line && !i.path.startsWith('(line') ? ` (line ${i.line})` : ''}: ${i.message}\n      fix: ${i.fix}`),
  ].join('\n');
}
