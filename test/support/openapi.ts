import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** The published specs live outside the project, read-only, beside the checkout. */
export const SPECS_DIR = resolve(__dirname, '../../../shared/reference/specs');

export interface SpecValidator {
  /** Errors of `body` against the response schema of `operationId` (or `"GET /path"` when the spec has none) for `status`; empty means valid. */
  validate(operationId: string, status: number, body: unknown): string[];
  /** Operation ids the spec defines (handy for checking coverage). */
  operationIds(): string[];
}

interface Operation {
  pointer: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const cache = new Map<string, SpecValidator>();

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates response bodies against a published OpenAPI 3.0 document.
 * Each response schema is compiled by JSON pointer into the whole document, so the spec's own
 * `#/components/...` references resolve exactly as published; nothing is copied or rewritten.
 */
export function loadSpecValidator(specPath: string): SpecValidator {
  const file = resolve(SPECS_DIR, specPath);
  const cached = cache.get(file);
  if (cached) return cached;

  const doc = parse(readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as {
    paths: Record<string, Record<string, unknown>>;
    components?: { responses?: Record<string, Operation['responses'][string]> };
  };
  prepareForAjv(doc);
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  addFormats(ajv);
  const docId = `https://specs.invalid/${specPath.replace(/[^A-Za-z0-9.-]/g, '_')}`;
  ajv.addSchema(doc as object, docId);

  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method] as { operationId?: string; responses?: Operation['responses'] } | undefined;
      // Some published specs (env, idp, authorization, exchange_assets) give no operationId: use "METHOD /path".
      if (op) operations.set(op.operationId ?? `${method.toUpperCase()} ${path}`, { pointer: `#/paths/${escapePointer(path)}/${method}`, responses: op.responses ?? {} });
    }
  }

  const compiled = new Map<string, ValidateFunction | null>();
  const validator: SpecValidator = {
    operationIds: () => [...operations.keys()],
    validate(operationId, status, body) {
      const op = operations.get(operationId);
      if (!op) return [`operation ${operationId} is not in ${specPath}`];
      const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => op.responses[c]);
      if (!code) return [`${operationId} documents no response for status ${status} (documented: ${Object.keys(op.responses).join(', ')})`];
      // Okta documents its errors once, as `$ref: '#/components/responses/…'`: follow it, keeping a real pointer.
      const ref = (op.responses[code] as { $ref?: string }).$ref;
      const base = ref ?? `${op.pointer}/responses/${escapePointer(code)}`;
      const response = ref ? doc.components?.responses?.[ref.split('/').pop()!.replace(/~1/g, '/').replace(/~0/g, '~')] : op.responses[code];
      const content = response?.content ?? {};
      const mediaType = Object.keys(content).find((m) => m.includes('json'));
      if (!mediaType || content[mediaType].schema === undefined) {
        return body === undefined || body === '' ? [] : [`${operationId} ${code} documents no JSON body`];
      }
      const key = `${operationId} ${code}`;
      if (!compiled.has(key)) {
        const pointer = `${base}/content/${escapePointer(mediaType)}/schema`;
        compiled.set(key, ajv.compile({ $ref: `${docId}${pointer}` }));
      }
      const fn = compiled.get(key)!;
      if (fn(body)) return [];
      return (fn.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
    },
  };
  cache.set(file, validator);
  return validator;
}

/**
 * Two things in the published specs that mean nothing to validation but stop Ajv compiling them:
 * Okta's `$id: http://{yourOktaDomain}/…` placeholders (not URIs), and `nullable` on schemas without
 * `type`, which OpenAPI 3.0.3 ignores ("only if type is explicitly defined") but Ajv refuses.
 */
function prepareForAjv(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(prepareForAjv);
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.$id === 'string' && record.$id.includes('{')) delete record.$id;
  if ('nullable' in record && !('type' in record)) delete record.nullable;
  Object.values(record).forEach(prepareForAjv);
}

/** jest helper: fails with the spec's complaints, naming the operation. */
export function expectResponseMatchesSpec(validator: SpecValidator, operationId: string, status: number, body: unknown): void {
  const errors = validator.validate(operationId, status, body);
  if (errors.length > 0) {
    throw new Error(`${operationId} ${status} response does not match the published spec:\n  ${errors.slice(0, 20).join('\n  ')}`);
  }
}
