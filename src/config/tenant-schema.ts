import { z } from 'zod';
import { SecretRef } from './secrets';
import { DURATION_PATTERN, durationMs } from './duration';

/*
 * The tenant file's single source of truth: validation, the TypeScript type and the exported
 * JSON Schema (schema/tenant.schema.json) all come from this one definition.
 */

/** Inline secrets are refused with the fix, before the reference shape is even checked. */
const secret = (what: string) =>
  z.unknown().superRefine((value, ctx) => {
    if (typeof value === 'string') {
      ctx.addIssue({ code: 'custom', message: `${what} must not be written inline`, params: { fix: 'reference it instead: { env: VARIABLE_NAME } or { file: /path/to/secret }' } });
      return;
    }
    const parsed = SecretRef.safeParse(value);
    if (!parsed.success) ctx.addIssue({ code: 'custom', message: `${what} must be a reference`, params: { fix: 'write { env: VARIABLE_NAME } or { file: /path/to/secret }' } });
  }).transform((value) => value as SecretRef).pipe(z.custom<SecretRef>());

const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s/]+/.test(s), { message: 'must be an http(s) URL' }).transform((s) => s.replace(/\/+$/, ''));
const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as 90s, 15m, 1h or 3d');
const name = z.string().trim().min(1);
const HTTP_METHOD = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const GRANT_TYPE = z.enum(['client_credentials', 'authorization_code', 'implicit', 'refresh_token', 'password']);

const ANYPOINT_REGIONS: Record<string, string> = {
  us: 'https://anypoint.mulesoft.com',
  eu: 'https://eu1.anypoint.mulesoft.com',
  gov: 'https://gov.anypoint.mulesoft.com',
};

const authorizationServer = z.union([
  z.object({ create: z.object({ name, description: z.string().default(''), audience: name }).strict() }).strict(),
  z.object({ adopt: name.describe("'default' or the id of an existing authorization server") }).strict(),
]);

const okta = z
  .object({
    orgUrl: httpUrl.describe('e.g. https://dev-123456.okta.com'),
    apiToken: secret('okta.apiToken'),
    authorizationServer,
    scopes: z.array(z.object({
      name,
      description: z.string().default(''),
      consent: z.enum(['IMPLICIT', 'REQUIRED', 'FLEXIBLE']).default('IMPLICIT'),
      metadataPublish: z.enum(['ALL_CLIENTS', 'NO_CLIENTS']).default('ALL_CLIENTS'),
    }).strict()).min(1),
    groups: z.array(z.object({ name, description: z.string().default('') }).strict()).default([]),
    accessPolicy: z.object({
      name: name.max(100),
      description: z.string().max(255).default('Managed by the onboarding service'),
      priority: z.number().int().min(1).default(1),
      clients: z.array(name).default(['ALL_CLIENTS']),
      rule: z.object({
        name,
        priority: z.number().int().min(1).default(1),
        grantTypes: z.array(GRANT_TYPE).min(1),
        scopes: z.array(name).min(1),
        groups: z.array(name).default(['EVERYONE']),
        accessTokenLifetimeMinutes: z.number().int().min(5).max(1440).default(60),
      }).strict(),
    }).strict(),
    introspectionClient: z.object({ label: name }).strict(),
    ssoApp: z.object({ label: name, postLogoutRedirectUris: z.array(httpUrl).default([]) }).strict().optional(),
  })
  .strict();

const policy = z.object({
  resource: z.string().regex(/^\//, 'must be a URI template starting with /, e.g. /planets'),
  methods: z.array(HTTP_METHOD).min(1),
  scopes: z.array(name).min(1),
  validation: z.enum(['AND', 'OR']).default('AND'),
  skipClientIdValidation: z.boolean().default(false),
}).strict();

const clientApplication = z.object({
  name,
  description: z.string().default(''),
  grantTypes: z.array(GRANT_TYPE).min(1),
  redirectUris: z.array(httpUrl).default([]),
  groups: z.array(name).default([]),
}).strict();

const anypoint = z.object({
  baseUrl: z.string().transform((s) => ANYPOINT_REGIONS[s] ?? s).pipe(httpUrl).describe('us, eu, gov or any base URL'),
  connectedApp: z.object({ clientId: secret('anypoint.connectedApp.clientId'), clientSecret: secret('anypoint.connectedApp.clientSecret') }).strict(),
  environment: name,
  clientProvider: z.object({ name }).strict(),
  identityProvider: z.object({ name }).strict().optional(),
  api: z.object({
    asset: z.object({ groupId: name.optional(), assetId: name, version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as 1.0.0') }).strict(),
    raml: z.string().min(1).optional(),
    instanceLabel: name,
    upstreamUrl: httpUrl,
    proxy: z.object({
      applicationName: z.string().regex(/^[a-z0-9][a-z0-9-]{2,41}$/, 'must be 3-42 lowercase letters, digits or dashes (it becomes a host name)'),
      gatewayVersion: z.string().default('4.4.0'),
      type: z.enum(['CH', 'CH2', 'HY', 'RF']).default('CH'),
      targetId: name.optional(),
    }).strict(),
    policies: z.array(policy).min(1),
  }).strict(),
  clientApplications: z.array(clientApplication).default([]),
}).strict();

const probe = z.object({ method: HTTP_METHOD.default('GET'), path: z.string().regex(/^\//, 'must start with /'), expect: z.number().int() }).strict();

export const TenantSchema = z
  .object({
    tenant: z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lowercase letters, digits or dashes'),
      displayName: z.string().optional(),
    }).strict(),
    okta,
    anypoint,
    assignment: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('manual'), reminderEvery: duration.default('1h'), deadline: duration.default('72h') }).strict(),
      z.object({ mode: z.literal('auto') }).strict(),
    ]).default({ mode: 'manual', reminderEvery: '1h', deadline: '72h' }),
    verification: z.object({
      enabled: z.boolean().default(true),
      clientApplication: name,
      gatewayUrl: httpUrl.describe('where the deployed proxy answers, e.g. https://okta-solar-proxy.us-e2.cloudhub.io'),
      tokenScopes: z.array(name).min(1),
      allowed: z.array(probe.extend({ expect: z.number().int().default(200) })).default([]),
      denied: z.array(probe.extend({ expect: z.number().int().default(403) })).default([]),
    }).strict(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const issue = (path: (string | number)[], message: string, fix: string) => ctx.addIssue({ code: 'custom', path, message, params: { fix } });
    const scopes = new Set(cfg.okta.scopes.map((s) => s.name));
    const groups = new Set(cfg.okta.groups.map((g) => g.name));
    const dupes = (xs: string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
    for (const d of dupes(cfg.okta.scopes.map((s) => s.name))) issue(['okta', 'scopes'], `scope "${d}" is listed twice`, 'keep one entry per scope name');
    for (const d of dupes(cfg.okta.groups.map((g) => g.name))) issue(['okta', 'groups'], `group "${d}" is listed twice`, 'keep one entry per group name');
    for (const d of dupes(cfg.anypoint.clientApplications.map((a) => a.name))) issue(['anypoint', 'clientApplications'], `application "${d}" is listed twice`, 'application names must be unique');
    const knownScope = (s: string) => scopes.has(s) || s === '*' || ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups'].includes(s);
    cfg.okta.accessPolicy.rule.scopes.forEach((s, i) => {
      if (!knownScope(s)) issue(['okta', 'accessPolicy', 'rule', 'scopes', i], `scope "${s}" is not defined`, `add it to okta.scopes or use one of: ${[...scopes].join(', ')}`);
    });
    cfg.okta.accessPolicy.rule.groups.forEach((g, i) => {
      if (g !== 'EVERYONE' && !groups.has(g)) issue(['okta', 'accessPolicy', 'rule', 'groups', i], `group "${g}" is not defined`, 'add it to okta.groups or use EVERYONE');
    });
    cfg.anypoint.api.policies.forEach((p, pi) => p.scopes.forEach((s, si) => {
      if (!scopes.has(s)) issue(['anypoint', 'api', 'policies', pi, 'scopes', si], `scope "${s}" is not defined in okta.scopes`, `add it to okta.scopes or use one of: ${[...scopes].join(', ')}`);
    }));
    cfg.anypoint.clientApplications.forEach((a, ai) => {
      a.groups.forEach((g, gi) => {
        if (g !== 'EVERYONE' && !groups.has(g)) issue(['anypoint', 'clientApplications', ai, 'groups', gi], `group "${g}" is not defined`, 'add it to okta.groups or use EVERYONE');
      });
      if (a.grantTypes.some((t) => t === 'authorization_code' || t === 'implicit') && a.redirectUris.length === 0) {
        issue(['anypoint', 'clientApplications', ai, 'redirectUris'], 'redirect URIs are required for authorization_code and implicit grants', 'add at least one redirectUris entry');
      }
    });
    if (cfg.okta.ssoApp && !cfg.anypoint.identityProvider) issue(['anypoint', 'identityProvider'], 'okta.ssoApp needs an Anypoint identity provider', 'add anypoint.identityProvider: { name: ... } or remove okta.ssoApp');
    if (cfg.verification.enabled) {
      if (!cfg.anypoint.clientApplications.some((a) => a.name === cfg.verification.clientApplication)) {
        issue(['verification', 'clientApplication'], `application "${cfg.verification.clientApplication}" is not in anypoint.clientApplications`, 'name one of the client applications');
      }
      cfg.verification.tokenScopes.forEach((s, i) => {
        if (!scopes.has(s)) issue(['verification', 'tokenScopes', i], `scope "${s}" is not defined in okta.scopes`, 'request a scope the tenant defines');
      });
      if (cfg.verification.allowed.length + cfg.verification.denied.length === 0) issue(['verification', 'allowed'], 'the proof needs at least one request to check', 'add an allowed or denied probe');
    }
    if (cfg.assignment.mode === 'manual' && durationMs(cfg.assignment.deadline)! <= durationMs(cfg.assignment.reminderEvery)!) {
      issue(['assignment', 'deadline'], 'the deadline must be longer than the reminder interval', 'raise assignment.deadline or shorten assignment.reminderEvery');
    }
  });

export type TenantConfig = z.infer<typeof TenantSchema>;
export type TenantFileInput = z.input<typeof TenantSchema>;
