import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { expectResponseMatchesSpec, loadSpecValidator, SPECS_DIR, type SpecValidator } from '../../../support/openapi';

/*
 * Spec checks for the Okta sandbox suites, through the shared validator (test/support/openapi.ts).
 *
 * Parsing the 3.5 MB management spec takes ~5 s, paid again by every test file (each has its own module
 * registry). So the validator is given a subset of the pinned spec instead: the operations these suites
 * exercise, with every component they reference (responses included), transitively. Schemas are copied
 * untouched and references keep their pointers, so validation results are those of the full document; a
 * missing reference would fail compilation loudly. The subset is cached under .data/test, keyed by the
 * spec's hash and the operation list. An operation outside the list fails as "not in" the spec: add it.
 */

export const MANAGEMENT_OPERATIONS = [
  'listAuthorizationServers', 'createAuthorizationServer', 'getAuthorizationServer', 'replaceAuthorizationServer', 'deleteAuthorizationServer',
  'activateAuthorizationServer', 'deactivateAuthorizationServer', 'listAuthorizationServerKeys', 'rotateAuthorizationServerKeys',
  'listOAuth2ClientsForAuthorizationServer',
  'listOAuth2Scopes', 'createOAuth2Scope', 'getOAuth2Scope', 'replaceOAuth2Scope', 'deleteOAuth2Scope',
  'listOAuth2Claims', 'createOAuth2Claim', 'getOAuth2Claim', 'replaceOAuth2Claim', 'deleteOAuth2Claim',
  'listAuthorizationServerPolicies', 'createAuthorizationServerPolicy', 'getAuthorizationServerPolicy', 'replaceAuthorizationServerPolicy',
  'deleteAuthorizationServerPolicy', 'activateAuthorizationServerPolicy', 'deactivateAuthorizationServerPolicy',
  'listAuthorizationServerPolicyRules', 'createAuthorizationServerPolicyRule', 'getAuthorizationServerPolicyRule',
  'replaceAuthorizationServerPolicyRule', 'deleteAuthorizationServerPolicyRule', 'activateAuthorizationServerPolicyRule',
  'deactivateAuthorizationServerPolicyRule',
  'listGroups', 'addGroup', 'getGroup', 'replaceGroup', 'deleteGroup', 'listGroupUsers', 'assignUserToGroup', 'unassignUserFromGroup',
  'listAssignedApplicationsForGroup',
  'listUsers', 'createUser', 'getUser', 'replaceUser', 'updateUser', 'deleteUser', 'activateUser', 'deactivateUser',
  'listApplications', 'createApplication', 'getApplication', 'replaceApplication', 'deleteApplication', 'activateApplication',
  'deactivateApplication', 'listOAuth2ClientSecrets', 'createOAuth2ClientSecret', 'getOAuth2ClientSecret', 'deleteOAuth2ClientSecret',
  'activateOAuth2ClientSecret', 'deactivateOAuth2ClientSecret',
  'listApplicationGroupAssignments', 'assignGroupToApplication', 'getApplicationGroupAssignment', 'updateGroupAssignmentToApplication',
  'unassignApplicationFromGroup', 'listApplicationUsers', 'assignUserToApplication', 'getApplicationUser', 'unassignUserFromApplication',
  'listLogEvents',
];

export const OAUTH_OPERATIONS = [
  'listClients', 'createClient', 'getClient', 'replaceClient', 'deleteClient', 'generateNewClientSecret',
  'getWellKnownOAuthConfigurationCustomAS', 'getWellKnownOpenIDConfigurationCustomAS', 'oauthKeysCustomAS',
  'tokenCustomAS', 'introspectCustomAS', 'revokeCustomAS', 'userinfoCustomAS', 'authorizeCustomAS', 'authorizeCustomASWithPost',
];

const CACHE_DIR = resolve(__dirname, '../../../../.data/test');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

type Doc = { paths: Record<string, Record<string, unknown>>; components?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectRefs(n, out));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/')) out.add(value);
    else collectRefs(value, out);
  }
}

function prune(doc: Doc, operationIds: string[]): Doc {
  const paths: Doc['paths'] = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as { operationId?: string; responses?: Record<string, unknown> } | undefined;
      if (!op?.operationId || !operationIds.includes(op.operationId)) continue;
      // Only what validation reads: the operation id and its responses (examples dropped).
      const responses = JSON.parse(JSON.stringify(op.responses ?? {}), (k, v) => (k === 'examples' || k === 'example' ? undefined : v));
      (paths[path] ??= {})[method] = { operationId: op.operationId, responses };
    }
  }
  const components: Record<string, Record<string, unknown>> = {};
  const pending = new Set<string>();
  collectRefs(paths, pending);
  const done = new Set<string>();
  while (pending.size) {
    const ref = pending.values().next().value as string;
    pending.delete(ref);
    if (done.has(ref)) continue;
    done.add(ref);
    const [, , kind, name] = ref.split('/');
    const target = doc.components?.[kind]?.[name.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (target === undefined) continue;
    (components[kind] ??= {})[name] = target;
    const more = new Set<string>();
    collectRefs(target, more);
    for (const r of more) if (!done.has(r)) pending.add(r);
  }
  return { openapi: doc.openapi, info: doc.info, paths, components } as Doc;
}

/** Path of the cached subset of `file` (relative to the specs folder) covering `operationIds`. */
export function specSubset(file: string, operationIds: string[]): string {
  const source = readFileSync(resolve(SPECS_DIR, file), 'utf8');
  const key = createHash('sha256').update(source).update(`v4:${operationIds.join(',')}`).digest('hex').slice(0, 16);
  const target = join(CACHE_DIR, `${file.replace(/[^A-Za-z0-9.-]/g, '_')}.${key}.subset.json`);
  if (!existsSync(target)) {
    const pruned = prune(parse(source, { maxAliasCount: -1 }) as Doc, operationIds);
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(pruned));
    renameSync(tmp, target);
  }
  return target;
}

interface Specs {
  management: SpecValidator;
  oauth: SpecValidator;
  routes: { method: string; pattern: RegExp; literal: number; operationId: string }[];
}

let specs: Specs | undefined;

function routesOf(path: string): Specs['routes'] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Doc;
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literal: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      operationId: (op as { operationId: string }).operationId,
    })),
  );
}

export function oktaSpecs(): Specs {
  if (!specs) {
    const management = specSubset('okta/management-minimal.yaml', MANAGEMENT_OPERATIONS);
    const oauth = specSubset('okta/oauth-minimal.yaml', OAUTH_OPERATIONS);
    specs = {
      management: loadSpecValidator(management),
      oauth: loadSpecValidator(oauth),
      routes: [...routesOf(management), ...routesOf(oauth)].sort((a, b) => b.literal - a.literal),
    };
  }
  return specs;
}

const OKTA_ERROR_KEYS = ['errorCauses', 'errorCode', 'errorId', 'errorLink', 'errorSummary'];

/**
 * Fails the test unless `body` is what the published spec documents for `operationId` and `status`.
 * Okta documents its org-wide failures (401 for a bad token, 5xx) once rather than per operation; when an
 * operation lists no such status, the body is held to Okta's error shape instead.
 */
export function expectSpec(operationId: string, status: number, body: unknown): void {
  const s = oktaSpecs();
  const validator = OAUTH_OPERATIONS.includes(operationId) ? s.oauth : s.management;
  const undocumented = validator.validate(operationId, status, body)[0]?.includes(`documents no response for status ${status}`);
  if (undocumented && (status === 401 || status >= 500)) {
    if (JSON.stringify(Object.keys(body ?? {}).sort()) !== JSON.stringify(OKTA_ERROR_KEYS)) {
      throw new Error(`${operationId} ${status}: expected Okta's error body, got ${JSON.stringify(body)}`);
    }
    return;
  }
  expectResponseMatchesSpec(validator, operationId, status, body);
}

/** The spec operation a concrete request hits (used to audit what the SDK received). */
export function operationFor(method: string, path: string): string | undefined {
  return oktaSpecs().routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path))?.operationId;
}
