import { z } from 'zod';
import { SecretRef } from './secrets';
import { DURATION_PATTERN, durationMs } from './duration';
import { CATALOGUE, KIND_ORDER, NOT_ADOPTABLE } from '../workflows/catalogue';

/*
 * The tenant file's single source of truth: validation, the TypeScript type and the exported
 * JSON Schema (schema/tenant.schema.json) all come from this one definition. Field-level rules
 * live next to the field; rules that relate two fields live in `crossFieldChecks` below.
 * Every issue should carry its fix, the plain-words repair shown to the user (see FIX_SEPARATOR).
 */

/**
 * Issue messages carry their fix after this separator: zod keeps custom `params` only for
 * refinements, while built-in checks (regex, min…) keep nothing but the message.
 */
export const FIX_SEPARATOR = '\u0000fix:';
const withFix = (message: string, fix: string) => `${message}${FIX_SEPARATOR}${fix}`;
const fixed = (message: string, fix: string) => ({ message: withFix(message, fix) });

// ---------------------------------------------------------------------------------------------
// Reusable field types
// ---------------------------------------------------------------------------------------------

const { $schema: _ignored, ...SECRET_REF_JSON_SCHEMA } = z.toJSONSchema(SecretRef) as Record<string, unknown>;

/** A secret by reference. An inline string is refused before the reference shape is checked. */
const secret = (field: string) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value === 'string') {
        ctx.addIssue({ code: 'custom', ...fixed(`${field} must not be written inline in the tenant file`, 'reference the secret instead: { env: VARIABLE_NAME } or { file: /path/to/secret }') });
      } else if (!SecretRef.safeParse(value).success) {
        ctx.addIssue({ code: 'custom', ...fixed(`${field} must be a secret reference`, 'write { env: VARIABLE_NAME } or { file: /path/to/secret }') });
      }
    })
    .transform((value) => value as SecretRef)
    .meta({ description: `${field}: a reference to the secret, never the secret itself.`, ...SECRET_REF_JSON_SCHEMA });

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Any http(s) URL; trailing slashes removed so paths can be appended. */
const httpUrl = z
  .string()
  .trim()
  .refine((s) => parseUrl(s) !== undefined, fixed('must be an http(s) URL', 'write a full URL such as https://api.example.com/path'))
  .transform((s) => s.replace(/\/+$/, ''))
  .meta({ format: 'uri' });

/**
 * The base URL of a control plane that receives credentials: https, or plain http only on this
 * machine (the local sandboxes). No path beyond the origin's own, no query; trailing slash removed
 * (the Okta SDK would otherwise send `//api/v1/...`).
 */
const platformUrl = (example: string) =>
  z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      const url = parseUrl(s);
      if (!url) {
        ctx.addIssue({ code: 'custom', ...fixed('must be an http(s) URL', `write the full URL, e.g. ${example}`) });
      } else if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
        ctx.addIssue({ code: 'custom', ...fixed('must use https (plain http is accepted only for 127.0.0.1 or localhost)', `use https://${url.host}${url.pathname.replace(/\/+$/, '')}`) });
      } else if (url.search || url.hash) {
        ctx.addIssue({ code: 'custom', ...fixed('must not contain a query string or fragment', `use ${url.origin}${url.pathname.replace(/\/+$/, '')}`) });
      }
    })
    .transform((s) => s.replace(/\/+$/, ''));

/** Redirect URIs may use custom schemes (native apps), so only absoluteness is checked. */
const redirectUri = z
  .string()
  .trim()
  .refine((s) => URL.canParse(s), fixed('must be an absolute URI', 'write a full URI such as https://app.example.com/callback'));

const name = z.string().trim().min(1, 'must not be empty');
const duration = z
  .string()
  .regex(DURATION_PATTERN, fixed('must be a duration', 'write a number and a unit: 90s, 15m, 1h or 3d'))
  .refine((s) => (durationMs(s) ?? 1) > 0, fixed('must be longer than zero', 'write a positive duration such as 1h'));

const HTTP_METHOD = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const OKTA_GRANT_TYPE = z.enum(['client_credentials', 'authorization_code', 'implicit', 'refresh_token', 'password']);
const ANYPOINT_GRANT_TYPE = z.enum(['client_credentials', 'authorization_code', 'implicit', 'refresh_token', 'password']);

/** Grants that act for a user: Okta then requires a people condition on the rule, and apps need redirect URIs. */
const USER_FACING_GRANTS = new Set(['authorization_code', 'implicit', 'password']);
const REDIRECTING_GRANTS = new Set(['authorization_code', 'implicit']);

/** Scopes every Okta authorization server has without being declared in okta.scopes. */
export const BUILT_IN_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso'] as const;
/** Okta's pseudo group matching everyone, accepted in policy rules; app assignments use the built-in Everyone group. */
export const EVERYONE = 'EVERYONE';

/** Shorthands for the three Anypoint control planes. */
export const ANYPOINT_REGIONS = {
  us: 'https://anypoint.mulesoft.com',
  eu: 'https://eu1.anypoint.mulesoft.com',
  gov: 'https://gov.anypoint.mulesoft.com',
} as const;

// ---------------------------------------------------------------------------------------------
// tenant
// ---------------------------------------------------------------------------------------------

const tenant = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        fixed('must be a slug of lowercase letters, digits and dashes (it becomes part of workflow ids)', 'use e.g. solar-system: 1-63 characters, no leading or trailing dash'),
      ),
    displayName: name.optional().describe('Shown in the CLI and reminders; defaults to the id.'),
  })
  .strict()
  .transform((t) => ({ id: t.id, displayName: t.displayName ?? t.id }));

// ---------------------------------------------------------------------------------------------
// okta
// ---------------------------------------------------------------------------------------------

const authorizationServer = z
  .union([
    z
      .object({
        create: z
          .object({
            name: name.max(100),
            description: z.string().default(''),
            audience: name.describe('The single audience (aud) of the tokens, e.g. api://solar-system'),
          })
          .strict(),
      })
      .strict()
      .describe('Create (or adopt by exact name) a custom authorization server owned by this tenant.'),
    z
      .object({ adopt: name.describe("'default' or the id of an existing custom authorization server") })
      .strict()
      .describe('Use an existing authorization server; it is never modified or deleted.'),
  ])
  .describe('Either create: { name, description, audience } or adopt: default | <id>.');

const scope = z
  .object({
    name: name.regex(/^\S+$/, fixed('must not contain spaces', 'use e.g. silver or api:read')),
    description: z.string().default(''),
    consent: z.enum(['IMPLICIT', 'REQUIRED', 'FLEXIBLE']).default('IMPLICIT'),
    metadataPublish: z.enum(['ALL_CLIENTS', 'NO_CLIENTS']).default('ALL_CLIENTS').describe('ALL_CLIENTS publishes the scope in the server metadata, where Anypoint reads it.'),
  })
  .strict();

const group = z.object({ name: name.max(255), description: z.string().default('') }).strict();

const rule = z
  .object({
    name,
    priority: z.number().int().min(1).default(1),
    grantTypes: z.array(OKTA_GRANT_TYPE).min(1),
    scopes: z.array(name).min(1).describe("Scope names from okta.scopes, built-in scopes, or '*'"),
    groups: z.array(name).default([EVERYONE]).describe('Okta group names from okta.groups, or EVERYONE'),
    accessTokenLifetimeMinutes: z.number().int().min(5).max(1440).default(60),
  })
  .strict();

const accessPolicy = z
  .object({
    name: name.max(100),
    description: z.string().max(255).default('Managed by the onboarding service'),
    priority: z.number().int().min(1).default(1),
    clients: z.array(name).min(1).default(['ALL_CLIENTS']).describe('ALL_CLIENTS or specific client ids'),
    rule,
  })
  .strict()
  .describe('A new authorization server has no policy: without one, Okta refuses every token request.');

const okta = z
  .object({
    orgUrl: platformUrl('https://dev-123456.okta.com')
      .refine((s) => !/-admin\./i.test(s), fixed('is the admin console URL', 'remove "-admin" from the host, e.g. https://dev-123456.okta.com'))
      .describe('The Okta org, e.g. https://dev-123456.okta.com (http only for 127.0.0.1/localhost)'),
    apiToken: secret('okta.apiToken'),
    authorizationServer,
    scopes: z.array(scope).min(1),
    groups: z.array(group).default([]),
    accessPolicy,
    introspectionClient: z.object({ label: name }).strict().describe('Confidential service app Anypoint uses to introspect tokens.'),
    ssoApp: z
      .object({
        label: name,
        postLogoutRedirectUris: z.array(redirectUri).default([]),
        groups: z.array(name).default([]).describe('Okta groups whose members may sign in to Anypoint (from okta.groups, or EVERYONE); Okta refuses sign-in to users not assigned to the app'),
      })
      .strict()
      .optional()
      .describe('Web app for signing in to Anypoint with Okta; omit to leave SSO alone.'),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// anypoint
// ---------------------------------------------------------------------------------------------

const policy = z
  .object({
    resource: z.string().regex(/^\//, fixed('must be a URI template starting with /', 'write e.g. /planets or /planets/{id}')),
    methods: z.array(HTTP_METHOD).min(1, fixed('needs at least one HTTP method', 'list e.g. [GET]')),
    scopes: z.array(name).min(1),
    validation: z.enum(['AND', 'OR']).default('AND').describe('AND: the token needs every scope; OR: any one of them'),
    skipClientIdValidation: z.boolean().default(false),
  })
  .strict();

const clientApplication = z
  .object({
    name,
    description: z.string().default(''),
    grantTypes: z.array(ANYPOINT_GRANT_TYPE).min(1),
    redirectUris: z.array(redirectUri).default([]).describe('Required with authorization_code or implicit'),
    groups: z.array(name).default([]).describe('Okta groups the registered client must be assigned to (from okta.groups, or EVERYONE)'),
  })
  .strict();

const anypoint = z
  .object({
    baseUrl: z
      .string()
      .trim()
      .transform((s) => (ANYPOINT_REGIONS as Record<string, string>)[s] ?? s)
      .pipe(platformUrl('https://anypoint.mulesoft.com'))
      .meta({ description: 'us, eu, gov, or the control plane URL (http only for 127.0.0.1/localhost)', examples: ['us', 'eu', 'gov', 'https://anypoint.mulesoft.com'] }),
    connectedApp: z
      .object({ clientId: secret('anypoint.connectedApp.clientId'), clientSecret: secret('anypoint.connectedApp.clientSecret') })
      .strict(),
    environment: name.describe('Environment name, e.g. Sandbox'),
    clientProvider: z.object({ name }).strict().describe('The OpenID Connect Dynamic Client Registration provider pointing at Okta.'),
    identityProvider: z.object({ name }).strict().optional().describe('The OpenID Connect identity provider for SSO; needs okta.ssoApp.'),
    api: z
      .object({
        asset: z
          .object({
            groupId: name.optional().describe('Defaults to the organization id'),
            assetId: name,
            version: z.string().regex(/^\d+\.\d+\.\d+$/, fixed('must be a semantic version', 'write e.g. 1.0.0')),
          })
          .strict(),
        raml: z.string().min(1).optional().describe('RAML file published to Exchange when the asset is missing; relative to the tenant file'),
        instanceLabel: name,
        upstreamUrl: httpUrl.describe('The implementation the proxy forwards to'),
        proxy: z
          .object({
            applicationName: z
              .string()
              .regex(/^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/, fixed('must be 3-42 lowercase letters, digits or dashes', 'use e.g. okta-solar-proxy (it becomes a host name)')),
            gatewayVersion: z.string().default('4.4.0'),
            type: z.enum(['CH', 'CH2', 'HY', 'RF']).default('CH').describe('CH CloudHub, CH2 CloudHub 2.0, HY hybrid/Flex, RF Runtime Fabric'),
            targetId: name.optional().describe('Required for CH2, HY and RF'),
          })
          .strict(),
        policies: z.array(policy).min(1).describe('One OpenID Connect access token enforcement policy per entry'),
      })
      .strict(),
    clientApplications: z.array(clientApplication).default([]),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// assignment and verification
// ---------------------------------------------------------------------------------------------

const assignment = z
  .discriminatedUnion('mode', [
    z
      .object({
        mode: z.literal('manual'),
        reminderEvery: duration.default('1h'),
        deadline: duration.default('72h'),
        reminderWebhook: secret('assignment.reminderWebhook')
          .optional()
          .describe('Incoming-webhook URL (Slack, Teams, any JSON endpoint) each reminder is POSTed to, by reference: such URLs are credentials'),
      })
      .strict()
      .describe('An Okta admin assigns the registered clients to their groups and approves; the run waits, reminds, and rolls back after the deadline.'),
    z.object({ mode: z.literal('auto') }).strict().describe('The onboarding assigns the groups itself.'),
  ])
  .default({ mode: 'manual', reminderEvery: '1h', deadline: '72h' });

const probe = (expect: number) =>
  z
    .object({
      method: HTTP_METHOD.default('GET'),
      path: z.string().regex(/^\//, fixed('must start with /', 'write e.g. /planets')),
      expect: z.number().int().min(100).max(599).default(expect),
    })
    .strict();

const verification = z
  .object({
    enabled: z.boolean().default(true),
    clientApplication: name.describe('Name of the client application whose token is used for the proof'),
    gatewayUrl: httpUrl.describe('Where the deployed proxy answers, e.g. https://okta-solar-proxy.us-e2.cloudhub.io'),
    tokenScopes: z.array(name).min(1).describe('Scopes requested in the client_credentials token'),
    allowed: z.array(probe(200)).default([]),
    denied: z.array(probe(403)).default([]),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// lifecycle and adopt
// ---------------------------------------------------------------------------------------------

/** Shorter checks would hammer two rate-limited control planes for no benefit. */
const MIN_DRIFT_CHECK_MS = 60_000;

const lifecycle = z
  .object({
    driftCheckEvery: duration
      .default('1h')
      .refine((s) => (durationMs(s) ?? 0) >= MIN_DRIFT_CHECK_MS, fixed('must be at least 1m', 'write e.g. 15m, 1h or 1d'))
      .describe('How often the drift check (a Temporal Schedule per tenant) compares Okta and Anypoint with this file'),
    notificationWebhook: secret('lifecycle.notificationWebhook')
      .optional()
      .describe('Incoming-webhook URL drift reports are POSTed to, by reference; defaults to assignment.reminderWebhook'),
  })
  .strict()
  .default({ driftCheckEvery: '1h' })
  .describe('What happens after the onboarding: the scheduled drift check.');

/*
 * Adoption is one map keyed by the step key the plan prints (`okta.group:goldSubscribers`), rather
 * than an `adopt` field on each kind of resource: one field to validate, the same key a conflict's
 * fix quotes, and no change to the shape of the resources themselves.
 */
const adopt = z
  .record(z.string(), name.describe('The id, or the exact name, of the existing resource'))
  .default({})
  .describe("Existing resources to use and converge instead of creating them, keyed by the plan's step key, e.g. { 'okta.group:goldSubscribers': 00g1a2b3c4 }. Adopted resources are never deleted.");

// ---------------------------------------------------------------------------------------------
// The whole file
// ---------------------------------------------------------------------------------------------

const TenantObject = z.object({ tenant, okta, anypoint, assignment, verification, lifecycle, adopt }).strict();
type ParsedTenant = z.output<typeof TenantObject>;

type IssuePath = (string | number)[];
type Report = (path: IssuePath, message: string, fix: string) => void;

/** Rules relating two fields: everything a tenant file names must exist in that same file. */
function crossFieldChecks(cfg: ParsedTenant, report: Report): void {
  const scopeNames = cfg.okta.scopes.map((s) => s.name);
  const groupNames = cfg.okta.groups.map((g) => g.name);
  const known = new Set(scopeNames);
  const knownScope = (s: string) => known.has(s) || (BUILT_IN_SCOPES as readonly string[]).includes(s);
  const scopeFix = `use one of ${[...scopeNames, ...BUILT_IN_SCOPES].join(', ')}, or add it to okta.scopes`;
  const groupFix = `use one of ${[...groupNames, EVERYONE].join(', ')}, or add it to okta.groups`;
  const knownGroup = (g: string) => g === EVERYONE || groupNames.includes(g);

  const duplicates = (values: string[], path: IssuePath, what: string) => {
    values.forEach((v, i) => {
      if (values.indexOf(v) !== i) report([...path, i], `${what} "${v}" is listed twice`, `keep one entry per ${what} name`);
    });
  };
  duplicates(scopeNames, ['okta', 'scopes'], 'scope');
  duplicates(groupNames, ['okta', 'groups'], 'group');
  duplicates(cfg.anypoint.clientApplications.map((a) => a.name), ['anypoint', 'clientApplications'], 'application');
  cfg.anypoint.api.policies.forEach((p, i, all) => {
    const key = (x: typeof p) => `${[...x.methods].sort().join('|')} ${x.resource}`;
    if (all.findIndex((o) => key(o) === key(p)) !== i) {
      report(['anypoint', 'api', 'policies', i], `another policy already covers ${p.methods.join('|')} ${p.resource}`, 'merge the two entries into one (list all scopes in it)');
    }
  });

  const r = cfg.okta.accessPolicy.rule;
  r.scopes.forEach((s, i) => {
    if (s !== '*' && !knownScope(s)) report(['okta', 'accessPolicy', 'rule', 'scopes', i], `scope "${s}" is not defined`, `${scopeFix} (or '*')`);
  });
  r.groups.forEach((g, i) => {
    if (!knownGroup(g)) report(['okta', 'accessPolicy', 'rule', 'groups', i], `group "${g}" is not defined`, groupFix);
  });
  if (r.groups.length === 0 && r.grantTypes.some((t) => USER_FACING_GRANTS.has(t))) {
    report(['okta', 'accessPolicy', 'rule', 'groups'], 'must name at least one group when the rule allows authorization_code, implicit or password', `add ${EVERYONE} or a group from okta.groups`);
  }
  // Only a server this tenant creates is governed by this rule alone; an adopted one has other policies.
  const ruleIsOnlyPolicy = 'create' in cfg.okta.authorizationServer;
  const ruleAllowsScope = (s: string) => !ruleIsOnlyPolicy || r.scopes.includes('*') || r.scopes.includes(s);
  const ruleAllowsGrant = (g: string) => !ruleIsOnlyPolicy || r.grantTypes.includes(g as (typeof r.grantTypes)[number]);

  cfg.anypoint.api.policies.forEach((p, pi) =>
    p.scopes.forEach((s, si) => {
      if (!knownScope(s)) report(['anypoint', 'api', 'policies', pi, 'scopes', si], `scope "${s}" is not defined in okta.scopes`, scopeFix);
    }),
  );

  cfg.anypoint.clientApplications.forEach((a, ai) => {
    a.groups.forEach((g, gi) => {
      if (!knownGroup(g)) report(['anypoint', 'clientApplications', ai, 'groups', gi], `group "${g}" is not defined`, groupFix);
    });
    duplicates(a.groups, ['anypoint', 'clientApplications', ai, 'groups'], 'group');
    if (a.grantTypes.some((t) => REDIRECTING_GRANTS.has(t)) && a.redirectUris.length === 0) {
      report(['anypoint', 'clientApplications', ai, 'redirectUris'], 'is required for the authorization_code and implicit grants', 'add at least one redirect URI the application controls, e.g. http://localhost:8080/callback');
    }
    if (a.grantTypes.includes('refresh_token') && !a.grantTypes.includes('authorization_code')) {
      report(['anypoint', 'clientApplications', ai, 'grantTypes'], 'refresh_token needs authorization_code', 'add authorization_code or remove refresh_token');
    }
    a.grantTypes.forEach((t, ti) => {
      if (t !== 'refresh_token' && !ruleAllowsGrant(t)) {
        report(['anypoint', 'clientApplications', ai, 'grantTypes', ti], `grant type ${t} is not allowed by okta.accessPolicy.rule, so Okta would refuse its tokens`, `add ${t} to okta.accessPolicy.rule.grantTypes or remove it here`);
      }
    });
  });

  const proxy = cfg.anypoint.api.proxy;
  if (proxy.type !== 'CH' && !proxy.targetId) {
    report(['anypoint', 'api', 'proxy', 'targetId'], `is required for deployment type ${proxy.type}`, 'set the id of the Runtime Fabric, CloudHub 2.0 space or Flex Gateway target');
  }

  cfg.okta.ssoApp?.groups.forEach((g, gi) => {
    if (!knownGroup(g)) report(['okta', 'ssoApp', 'groups', gi], `group "${g}" is not defined`, groupFix);
  });
  if (cfg.okta.ssoApp) duplicates(cfg.okta.ssoApp.groups, ['okta', 'ssoApp', 'groups'], 'group');

  if (cfg.okta.ssoApp && !cfg.anypoint.identityProvider) {
    report(['anypoint', 'identityProvider'], 'is required when okta.ssoApp is set', 'add anypoint.identityProvider: { name: Okta SSO }, or remove okta.ssoApp');
  }
  if (cfg.anypoint.identityProvider && !cfg.okta.ssoApp) {
    report(['okta', 'ssoApp'], 'is required when anypoint.identityProvider is set', 'add okta.ssoApp: { label: Anypoint Platform SSO }, or remove anypoint.identityProvider');
  }
  if (cfg.okta.ssoApp && !ruleAllowsGrant('authorization_code')) {
    report(['okta', 'accessPolicy', 'rule', 'grantTypes'], 'must include authorization_code for SSO into Anypoint (okta.ssoApp)', 'add authorization_code to the rule, or remove okta.ssoApp');
  }

  const v = cfg.verification;
  if (v.enabled) {
    const app = cfg.anypoint.clientApplications.find((a) => a.name === v.clientApplication);
    if (!app) {
      const names = cfg.anypoint.clientApplications.map((a) => a.name);
      report(['verification', 'clientApplication'], `application "${v.clientApplication}" is not in anypoint.clientApplications`, names.length > 0 ? `use one of: ${names.join(', ')}` : 'add the application to anypoint.clientApplications');
    } else if (!app.grantTypes.includes('client_credentials')) {
      report(['verification', 'clientApplication'], `application "${app.name}" does not have the client_credentials grant the proof uses`, 'add client_credentials to its grantTypes or verify with another application');
    }
    if (!ruleAllowsGrant('client_credentials')) {
      report(['okta', 'accessPolicy', 'rule', 'grantTypes'], 'must include client_credentials for the verification token', 'add client_credentials, or set verification.enabled: false');
    }
    v.tokenScopes.forEach((s, i) => {
      if (!knownScope(s)) report(['verification', 'tokenScopes', i], `scope "${s}" is not defined in okta.scopes`, scopeFix);
      else if (!ruleAllowsScope(s)) report(['verification', 'tokenScopes', i], `scope "${s}" is not allowed by okta.accessPolicy.rule, so Okta would refuse the token`, `add ${s} to okta.accessPolicy.rule.scopes`);
    });
    if (v.allowed.length + v.denied.length === 0) {
      report(['verification', 'allowed'], 'the proof needs at least one request to check', 'add an allowed probe such as { method: GET, path: /planets }');
    }
  }

  const a = cfg.assignment;
  if (a.mode === 'manual' && durationMs(a.deadline)! <= durationMs(a.reminderEvery)!) {
    report(['assignment', 'deadline'], `must be longer than reminderEvery (${a.reminderEvery})`, 'raise assignment.deadline or shorten assignment.reminderEvery');
  }

  const keysOf = (kind: (typeof KIND_ORDER)[number]) => (CATALOGUE[kind].select(cfg) as never[]).map((item) => CATALOGUE[kind].key(item));
  const adoptable = KIND_ORDER.filter((kind) => !(kind in NOT_ADOPTABLE)).flatMap(keysOf);
  for (const key of Object.keys(cfg.adopt)) {
    const kind = KIND_ORDER.find((k) => k in NOT_ADOPTABLE && keysOf(k).includes(key)) as keyof typeof NOT_ADOPTABLE | undefined;
    if (kind) report(['adopt', key], `cannot be adopted: ${NOT_ADOPTABLE[kind]}`, `remove adopt['${key}']`);
    else if (!adoptable.includes(key)) report(['adopt', key], 'names no resource of this tenant file', `use one of: ${adoptable.join(', ')}`);
  }
}

export const TenantSchema = TenantObject.superRefine((cfg, ctx) =>
  crossFieldChecks(cfg, (path, message, fix) => ctx.addIssue({ code: 'custom', path, message: withFix(message, fix) })),
).describe('One tenant of the Okta ⇄ MuleSoft Anypoint onboarding service.');

/** The validated tenant file, with defaults applied. */
export type TenantConfig = z.output<typeof TenantSchema>;
/** What may be written in a tenant file (before defaults). */
export type TenantFileInput = z.input<typeof TenantSchema>;
