import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { TenantSchema, type TenantConfig } from './tenant-schema';

export { TenantSchema };
export type { TenantConfig };

export interface TenantConfigIssue {
  /** Field path as written in the file, e.g. `anypoint.api.policies[1].scopes[0]`. */
  path: string;
  message: string;
  fix: string;
}

export class TenantConfigError extends Error {
  readonly code = 'TENANT_CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly issues: TenantConfigIssue[],
  ) {
    super(`${file}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

function pathOf(path: PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '') || '(file)';
}

/** Turns a schema issue into a message and a fix a person can act on. */
function toIssue(issue: z.core.$ZodIssue): TenantConfigIssue {
  const path = pathOf(issue.path);
  const fix = (issue as { params?: { fix?: string } }).params?.fix;
  if (fix) return { path, message: issue.message, fix };
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.includes('received undefined')
        ? { path, message: 'is required', fix: `add ${path} (${issue.expected})` }
        : { path, message: issue.message, fix: `set ${path} to a value of type ${issue.expected}` };
    case 'unrecognized_keys':
      return { path, message: `unknown field(s): ${issue.keys.join(', ')}`, fix: 'remove them or check their spelling against schema/tenant.schema.json' };
    case 'invalid_value':
      return { path, message: issue.message, fix: `use one of: ${issue.values.map(String).join(', ')}` };
    case 'invalid_union':
      return { path, message: 'does not match any allowed shape', fix: 'see schema/tenant.schema.json for the accepted forms' };
    default:
      return { path, message: issue.message, fix: `correct ${path}` };
  }
}

/** Validates an already parsed tenant document; relative paths resolve against `baseDir`. */
export function parseTenantConfig(doc: unknown, file = '(inline)', baseDir = process.cwd()): TenantConfig {
  const result = TenantSchema.safeParse(doc);
  if (!result.success) throw new TenantConfigError(file, result.error.issues.map(toIssue));
  const cfg = result.data;
  if (cfg.anypoint.api.raml && !isAbsolute(cfg.anypoint.api.raml)) cfg.anypoint.api.raml = resolve(baseDir, cfg.anypoint.api.raml);
  return cfg;
}

/** Reads and validates one tenant file before anything runs. */
export function loadTenantFile(file: string): TenantConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TenantConfigError(file, [{ path: '(file)', message: `cannot be read (${(err as NodeJS.ErrnoException).code})`, fix: 'check the path of the tenant file' }]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new TenantConfigError(file, doc.errors.map((e) => ({ path: `(line ${e.linePos?.[0].line ?? '?'})`, message: e.message.split('\n')[0], fix: 'fix the YAML syntax at that line' })));
  }
  return parseTenantConfig(doc.toJS(), file, dirname(resolve(file)));
}

/** One block a CLI can print: every problem with its field path and fix. */
export function formatTenantConfigError(err: TenantConfigError): string {
  return [`${err.file} is not a valid tenant file:`, ...err.issues.map((i) => `  - ${i.path}: ${i.message} (fix: ${i.fix})`)].join('\n');
}
