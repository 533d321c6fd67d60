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
      .object({ adopt: name.describe("'default', or the id or exact name of an existing custom authorization server (one shared by several tenants: see README, Many APIs on one org)") })
      .strict()
      .describe('Use an existing authorization server; it is never modified or deleted. The access policy is added after its other policies.'),
  ])
  .describe('Either create: { name, description, audience } or adopt: default | <id> | <name>.');

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

/**
 * A rule for the members of some groups (a subscription tier): Okta gives a user its scopes only when the
 * user is in one of its groups. Okta applies people conditions to user grants only; a client_credentials
 * token has no user, so machine clients are governed by `rule` and by the scopes they ask for.
 */
const groupRule = rule
  .extend({
    priority: z.number().int().min(1).describe('Okta evaluates rules by priority (1 first); give each rule its own'),
    groups: z.array(name).min(1, fixed('needs at least one group', 'list the groups whose members get these scopes, e.g. [silverSubscribers]')).describe('Okta group names from okta.groups, or EVERYONE'),
  })
  .strict();

const accessPolicy = z
  .object({
    name: name.max(100),
    description: z.string().max(255).default('Managed by the onboarding service'),
    priority: z.number().int().min(1).default(1),
    clients: z.array(name).min(1).default(['ALL_CLIENTS']).describe('ALL_CLIENTS or specific client ids'),
    rule,
    groupRules: z
      .array(groupRule)
      .default([])
      .describe("Further rules of the policy, one per group of people (seed 002's tiers: silverSubscribers get silver, goldSubscribers silver and gold)"),
  })
  .strict()
  .describe('A new authorization server has no policy: without one, Okta refuses every token request.');

/**
 * The Okta API scopes the worker's own calls need: apps (and their group assignments and secrets),
 * groups, authorization servers (scopes, claims, policies, rules), clients (`/oauth2/v1/clients`), and
 * users (the sign-in proof's verification users and their group memberships).
 */
// okta.roles.read lets the preflight read the service app's own admin roles (a scope allows nothing without a role).
export const OKTA_WORKER_SCOPES = ['okta.apps.manage', 'okta.groups.manage', 'okta.authorizationServers.manage', 'okta.clients.manage', 'okta.users.manage', 'okta.roles.read'];

const oktaOAuth = z
  .object({
    clientId: z.string().trim().min(1, fixed('is empty', "write the service app's client id, e.g. 0oa1b2c3d4e5f6g7h8i9")).describe("Client id of the Okta service app the worker acts as (OAuth 2.0 for Okta)"),
    privateKey: secret('okta.oauth.privateKey'),
    keyId: z.string().trim().min(1).optional().describe("kid of the public key registered on the service app (a JWK's own kid wins)"),
    scopes: z
      .array(z.string().regex(/^okta\.[A-Za-z]+\.(read|manage|register)$/, fixed('is not an Okta API scope', 'write scopes like okta.apps.manage')))
      .min(1)
      .default(OKTA_WORKER_SCOPES)
      .describe(`Okta API scopes to request; each must be granted to the app. Default: ${OKTA_WORKER_SCOPES.join(', ')}`),
  })
  .strict()
  .describe(
    "The worker's own Okta access as a service app with a private key (private_key_jwt) and only the scopes it needs, instead of okta.apiToken; okta.apiToken is then only handed to Anypoint's client provider, which needs a static SSWS header.",
  );

const okta = z
  .object({
    orgUrl: platformUrl('https://dev-123456.okta.com')
      .refine((s) => !/-admin\./i.test(s), fixed('is the admin console URL', 'remove "-admin" from the host, e.g. https://dev-123456.okta.com'))
      .describe('The Okta org, e.g. https://dev-123456.okta.com (http only for 127.0.0.1/localhost)'),
    apiToken: secret('okta.apiToken'),
    oauth: oktaOAuth.optional(),
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
// rfc7591: an OpenID provider with RFC 7591 dynamic client registration (OpenAM / ForgeRock style)
// ---------------------------------------------------------------------------------------------

/** Scopes every OpenID provider knows without being listed in rfc7591.scopes. */
export const OPENID_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] as const;

const rfc7591 = z
  .object({
    discoveryUrl: platformUrl('https://am.example.com/openam/oauth2/realms/root/realms/solar/.well-known/openid-configuration')
      .optional()
      .describe("The provider's OpenID discovery document (.well-known/openid-configuration); give this or issuer"),
    issuer: platformUrl('https://am.example.com/openam/oauth2/realms/root/realms/solar')
      .optional()
      .describe('The issuer; the discovery document is read from {issuer}/.well-known/openid-configuration. Give this or discoveryUrl'),
    initialAccessToken: secret('rfc7591.initialAccessToken').describe(
      'rfc7591.initialAccessToken: the token Anypoint registers clients with, sent as Authorization: Bearer <token>; a reference, never the token itself.',
    ),
    introspectionClient: z
      .object({ clientId: name, clientSecret: secret('rfc7591.introspectionClient.clientSecret') })
      .strict()
      .describe('An existing confidential client of the provider that may introspect every token (OpenAM: with am-introspect-all-tokens); never created or deleted here.'),
    scopes: z
      .array(name.regex(/^\S+$/, fixed('must not contain spaces', 'use e.g. silver or api:read')))
      .min(1)
      .describe('Scopes the provider offers that the policies and the proof use (they must exist at the provider; this project does not create them)'),
  })
  .strict()
  .describe('An RFC 7591 provider (OpenAM, ForgeRock…) instead of okta: the clients Anypoint registers live there; nothing else is created at the provider.');

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
    clientProvider: z.object({ name }).strict().describe('The OpenID Connect Dynamic Client Registration provider pointing at the identity provider (okta or rfc7591).'),
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

/** Another client application proven the same way (seed 002's tiers: a gold client beside the silver one). */
const verifiedClient = z
  .object({
    clientApplication: name.describe('Name of the client application whose token is used'),
    tokenScopes: z.array(name).min(1).describe('Scopes requested in its client_credentials token'),
    allowed: z.array(probe(200)).default([]),
    denied: z.array(probe(403)).default([]),
  })
  .strict();

/** A person whose sign-in the proof makes (seed 002's carl.sagan in silverSubscribers). */
const verificationUser = z
  .object({
    login: name.regex(/^[^\s@]+@[^\s@]+$/, fixed('must be an Okta login (an email address)', 'write e.g. carl.sagan@example.com')),
    password: secret('verification.signIn.users[].password'),
    groups: z.array(name).default([]).describe('Okta groups (from okta.groups) the user is a member of; managed users are added to them'),
    refused: z.boolean().default(false).describe('true: the proof expects Okta to refuse this user a token (a user outside the tier groups)'),
    scopes: z.array(name).default([]).describe('Scopes asked for besides openid, e.g. [silver]'),
    allowed: z.array(probe(200)).default([]),
    denied: z.array(probe(403)).default([]),
  })
  .strict();

const signIn = z
  .object({
    clientApplication: name.describe('The client application (authorization_code and implicit, with redirectUri) the users sign in to'),
    redirectUri: redirectUri.describe('One of its redirect URIs; the proof reads the code or token from the redirect and never loads it'),
    users: z.array(verificationUser).min(1),
    manageUsers: z
      .enum(['sandbox', 'always', 'never'])
      .default('sandbox')
      .describe('Who creates the users and their group memberships: the onboarding on a sandbox org (okta.orgUrl on 127.0.0.1/localhost) only, always, or never (they must exist)'),
  })
  .strict()
  .describe("People signing in through Okta (authorization code with PKCE, and the implicit grant of seed 002) and calling the API with their tokens, by header and by the access_token query parameter.");

const verification = z
  .object({
    enabled: z.boolean().default(true),
    clientApplication: name.describe('Name of the client application whose token is used for the proof'),
    gatewayUrl: httpUrl.describe('Where the deployed proxy answers, e.g. https://okta-solar-proxy.us-e2.cloudhub.io'),
    tokenScopes: z.array(name).min(1).describe('Scopes requested in the client_credentials token'),
    allowed: z.array(probe(200)).default([]),
    denied: z.array(probe(403)).default([]),
    otherClients: z.array(verifiedClient).default([]).describe('More client applications proven after the first, each with its own scopes and probes (e.g. one per tier)'),
    signIn: signIn.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// access: consumer requests after onboarding
// ---------------------------------------------------------------------------------------------

const tier = z
  .object({
    groups: z.array(name).min(1, fixed('needs at least one Okta group', 'list the groups whose members this tier reaches, e.g. [silverSubscribers]')).describe('Okta groups the consumer client is assigned to (from okta.groups, or EVERYONE)'),
    approval: z.enum(['auto', 'manual']).default('manual').describe('auto: assign in Okta at once; manual: a person approves (or rejects) each request'),
    scopes: z.array(name).default([]).describe('Scopes of the token the proof requests for the new client (from okta.scopes)'),
    allowed: z.array(probe(200)).default([]).describe('Requests the new client must pass through the gateway'),
    denied: z.array(probe(403)).default([]).describe('Requests the new client must be refused'),
  })
  .strict();

const access = z
  .object({
    watchEvery: duration.default('1m').describe('How often the API instance is checked for new and removed contracts (one API call each time)'),
    tiers: z.record(z.string().min(1), tier).describe('By SLA tier name in Anypoint; a contract without a tier uses the entry named "*" when there is one'),
    reminderEvery: duration.default('1h'),
    deadline: duration.default('72h').describe('A manual request nobody decides on by then expires; the client stays unassigned'),
    deletedApplications: z.enum(['auto', 'manual']).default('auto').describe('When an application is deleted in Exchange: auto deletes its Okta client at once, manual waits for a person'),
  })
  .strict()
  .optional()
  .describe('Consumer access requests after onboarding: each new contract on the API instance gets its Okta assignment by tier, an approval when asked, and a proof; a deleted application loses its Okta client.');

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
    doctorWithDrift: z
      .boolean()
      .optional()
      .describe('Also run doctor with each drift check (read-only: token requests, the people\'s sign-ins, the System Log since the last check); a failed check of doctor makes the report not clean'),
  })
  .strict()
  .default({ driftCheckEvery: '1h' })
  .describe('What happens after the onboarding: the scheduled drift check (and doctor with it, when asked).');

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

const TenantObject = z
  .object({
    tenant,
    okta: okta.optional().describe('Okta as the identity provider (authorization server, scopes, groups, apps). Write this or rfc7591.'),
    rfc7591: rfc7591.optional(),
    anypoint,
    assignment,
    verification,
    access,
    lifecycle,
    adopt,
  })
  .strict();
type ParsedTenant = z.output<typeof TenantObject>;

type IssuePath = (string | number)[];
type Report = (path: IssuePath, message: string, fix: string) => void;

/** Rules relating two fields: everything a tenant file names must exist in that same file. */
function crossFieldChecks(cfg: ParsedTenant, report: Report): void {
  if (cfg.okta && cfg.rfc7591) {
    report(['rfc7591'], 'cannot be used together with okta: a tenant has one identity provider', 'keep okta (Okta) or rfc7591 (an RFC 7591 provider such as OpenAM), not both');
    return;
  }
  if (!cfg.okta && !cfg.rfc7591) {
    report(['okta'], 'is required (or rfc7591): the tenant needs an identity provider', 'add okta: { orgUrl, apiToken, … } for Okta, or rfc7591: { discoveryUrl, initialAccessToken, introspectionClient, scopes } for OpenAM/ForgeRock (see examples/)');
    return;
  }
  const okta = cfg.okta;
  const provider = cfg.rfc7591;
  if (provider && !provider.discoveryUrl === !provider.issuer) {
    report(['rfc7591', 'discoveryUrl'], provider.discoveryUrl ? 'and rfc7591.issuer cannot both be set' : 'is required (or rfc7591.issuer)', 'write one of them: discoveryUrl: https://…/.well-known/openid-configuration, or issuer: https://… (the discovery document is then read under it)');
  }

  const scopesField = okta ? 'okta.scopes' : 'rfc7591.scopes';
  const scopeNames = okta ? okta.scopes.map((s) => s.name) : provider!.scopes;
  const builtInScopes: readonly string[] = okta ? BUILT_IN_SCOPES : OPENID_SCOPES;
  const groupNames = okta ? okta.groups.map((g) => g.name) : [];
  const known = new Set(scopeNames);
  const knownScope = (s: string) => known.has(s) || builtInScopes.includes(s);
  const scopeFix = `use one of ${[...scopeNames, ...builtInScopes].join(', ')}, or add it to ${scopesField}`;
  const groupFix = `use one of ${[...groupNames, EVERYONE].join(', ')}, or add it to okta.groups`;
  const knownGroup = (g: string) => g === EVERYONE || groupNames.includes(g);

  const duplicates = (values: string[], path: IssuePath, what: string) => {
    values.forEach((v, i) => {
      if (values.indexOf(v) !== i) report([...path, i], `${what} "${v}" is listed twice`, `keep one entry per ${what} name`);
    });
  };
  duplicates(scopeNames, scopesField.split('.'), 'scope');
  duplicates(groupNames, ['okta', 'groups'], 'group');
  duplicates(cfg.anypoint.clientApplications.map((a) => a.name), ['anypoint', 'clientApplications'], 'application');
  cfg.anypoint.api.policies.forEach((p, i, all) => {
    const key = (x: typeof p) => `${[...x.methods].sort().join('|')} ${x.resource}`;
    if (all.findIndex((o) => key(o) === key(p)) !== i) {
      report(['anypoint', 'api', 'policies', i], `another policy already covers ${p.methods.join('|')} ${p.resource}`, 'merge the two entries into one (list all scopes in it)');
    }
  });

  // Only a server this tenant creates is governed by these rules alone; an adopted one has other policies.
  // An RFC 7591 provider's token rules are its own: nothing here can check them.
  const policyRules = okta ? [{ path: ['okta', 'accessPolicy', 'rule'], r: okta.accessPolicy.rule }, ...okta.accessPolicy.groupRules.map((r, i) => ({ path: ['okta', 'accessPolicy', 'groupRules', i], r }))] : [];
  const r = okta?.accessPolicy.rule;
  const rulesAreOnlyPolicy = okta !== undefined && 'create' in okta.authorizationServer;
  const covers = (rule: NonNullable<typeof r>, s: string) => rule.scopes.includes('*') || rule.scopes.includes(s);
  // A client_credentials token has no user: any rule with that grant covering the scope lets it through.
  const ruleAllowsScope = (s: string) => !rulesAreOnlyPolicy || policyRules.length === 0 || policyRules.some(({ r: x }) => x.grantTypes.includes('client_credentials') && covers(x, s));
  const ruleAllowsGrant = (g: string) => !rulesAreOnlyPolicy || policyRules.length === 0 || policyRules.some(({ r: x }) => x.grantTypes.includes(g as (typeof x.grantTypes)[number]));
  for (const { path, r: x } of policyRules) {
    x.scopes.forEach((s, i) => {
      if (s !== '*' && !knownScope(s)) report([...path, 'scopes', i], `scope "${s}" is not defined`, `${scopeFix} (or '*')`);
    });
    x.groups.forEach((g, i) => {
      if (!knownGroup(g)) report([...path, 'groups', i], `group "${g}" is not defined`, groupFix);
    });
    // A group rule without groups is refused by its own schema already.
    if (x === r && x.groups.length === 0 && x.grantTypes.some((t) => USER_FACING_GRANTS.has(t))) {
      report([...path, 'groups'], 'must name at least one group when the rule allows authorization_code, implicit or password', `add ${EVERYONE} or a group from okta.groups`);
    }
  }
  if (okta) {
    okta.accessPolicy.groupRules.forEach((x, i, all) => {
      if (x.name === okta.accessPolicy.rule.name || all.findIndex((y) => y.name === x.name) !== i) report(['okta', 'accessPolicy', 'groupRules', i, 'name'], `rule "${x.name}" is named twice in the policy`, 'give each rule of the policy its own name');
    });
    policyRules.forEach(({ path, r: x }, i) => {
      const first = policyRules.findIndex(({ r: y }) => y.priority === x.priority);
      if (first !== i) report([...path, 'priority'], `priority ${x.priority} is already taken by rule "${policyRules[first].r.name}"`, 'give each rule of the policy its own priority (Okta evaluates them in that order)');
    });
  }

  cfg.anypoint.api.policies.forEach((p, pi) =>
    p.scopes.forEach((s, si) => {
      if (!knownScope(s)) report(['anypoint', 'api', 'policies', pi, 'scopes', si], `scope "${s}" is not defined in ${scopesField}`, scopeFix);
    }),
  );

  cfg.anypoint.clientApplications.forEach((a, ai) => {
    if (!okta && a.groups.length > 0) {
      report(['anypoint', 'clientApplications', ai, 'groups'], 'is for Okta groups; an RFC 7591 provider has none', 'remove groups: with rfc7591 the assignment step is a person confirming the registered clients (assignment.mode: manual)');
    }
    a.groups.forEach((g, gi) => {
      if (okta && !knownGroup(g)) report(['anypoint', 'clientApplications', ai, 'groups', gi], `group "${g}" is not defined`, groupFix);
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

  const ssoApp = okta?.ssoApp;
  ssoApp?.groups.forEach((g, gi) => {
    if (!knownGroup(g)) report(['okta', 'ssoApp', 'groups', gi], `group "${g}" is not defined`, groupFix);
  });
  if (ssoApp) duplicates(ssoApp.groups, ['okta', 'ssoApp', 'groups'], 'group');

  if (ssoApp && !cfg.anypoint.identityProvider) {
    report(['anypoint', 'identityProvider'], 'is required when okta.ssoApp is set', 'add anypoint.identityProvider: { name: Okta SSO }, or remove okta.ssoApp');
  }
  if (cfg.anypoint.identityProvider && !okta) {
    report(['anypoint', 'identityProvider'], 'is supported only with okta (sign-in to Anypoint through an Okta web app)', 'remove anypoint.identityProvider; SSO through an RFC 7591 provider is not managed by this project');
  } else if (cfg.anypoint.identityProvider && !ssoApp) {
    report(['okta', 'ssoApp'], 'is required when anypoint.identityProvider is set', 'add okta.ssoApp: { label: Anypoint Platform SSO }, or remove anypoint.identityProvider');
  }
  if (ssoApp && !ruleAllowsGrant('authorization_code')) {
    report(['okta', 'accessPolicy', 'rule', 'grantTypes'], 'must include authorization_code for SSO into Anypoint (okta.ssoApp)', 'add authorization_code to the rule (or to a group rule), or remove okta.ssoApp');
  }

  const v = cfg.verification;
  if (v.enabled) {
    const proven = [{ path: ['verification'], c: v }, ...(v.otherClients ?? []).map((c, i) => ({ path: ['verification', 'otherClients', i], c }))];
    for (const { path, c } of proven) {
      const app = cfg.anypoint.clientApplications.find((a) => a.name === c.clientApplication);
      if (!app) {
        const names = cfg.anypoint.clientApplications.map((a) => a.name);
        report([...path, 'clientApplication'], `application "${c.clientApplication}" is not in anypoint.clientApplications`, names.length > 0 ? `use one of: ${names.join(', ')}` : 'add the application to anypoint.clientApplications');
      } else if (!app.grantTypes.includes('client_credentials')) {
        report([...path, 'clientApplication'], `application "${app.name}" does not have the client_credentials grant the proof uses`, 'add client_credentials to its grantTypes or verify with another application');
      }
      c.tokenScopes.forEach((s, i) => {
        if (!knownScope(s)) report([...path, 'tokenScopes', i], `scope "${s}" is not defined in ${scopesField}`, scopeFix);
        else if (!ruleAllowsScope(s)) report([...path, 'tokenScopes', i], `scope "${s}" is not allowed by okta.accessPolicy.rule, so Okta would refuse the token`, `add ${s} to okta.accessPolicy.rule.scopes`);
      });
      if (c.allowed.length + c.denied.length === 0) {
        report([...path, 'allowed'], 'the proof needs at least one request to check', 'add an allowed probe such as { method: GET, path: /planets }');
      }
    }
    if (!ruleAllowsGrant('client_credentials')) {
      report(['okta', 'accessPolicy', 'rule', 'grantTypes'], 'must include client_credentials for the verification token', 'add client_credentials, or set verification.enabled: false');
    }
    const signInCfg = v.signIn;
    if (signInCfg && !okta) report(['verification', 'signIn'], 'is supported only with okta', 'remove verification.signIn');
    if (signInCfg && okta) {
      const app = cfg.anypoint.clientApplications.find((a) => a.name === signInCfg.clientApplication);
      const path = ['verification', 'signIn'];
      if (!app) report([...path, 'clientApplication'], `application "${signInCfg.clientApplication}" is not in anypoint.clientApplications`, 'add it with grantTypes [authorization_code, implicit] and the redirect URI');
      else {
        for (const g of ['authorization_code', 'implicit'] as const) {
          if (!app.grantTypes.includes(g)) report([...path, 'clientApplication'], `application "${app.name}" lacks the ${g} grant the sign-in proof uses`, `add ${g} to its grantTypes`);
        }
        if (!app.redirectUris.includes(signInCfg.redirectUri)) report([...path, 'redirectUri'], `is not one of the redirect URIs of "${app.name}"`, `use one of ${app.redirectUris.join(', ') || '(none: add one to the application)'}`);
      }
      signInCfg.users.forEach((u, ui) => {
        u.groups.forEach((g, gi) => {
          if (!groupNames.includes(g)) report([...path, 'users', ui, 'groups', gi], `group "${g}" is not defined`, `use one of ${groupNames.join(', ')}, or add it to okta.groups`);
        });
        u.scopes.forEach((sc, si) => {
          if (!knownScope(sc)) report([...path, 'users', ui, 'scopes', si], `scope "${sc}" is not defined in okta.scopes`, scopeFix);
        });
        if (!u.refused && u.allowed.length + u.denied.length === 0) report([...path, 'users', ui, 'allowed'], 'the proof needs at least one request to check with the user\'s token', 'add an allowed probe such as { method: GET, path: /planets }');
      });
      duplicates(signInCfg.users.map((u) => u.login.toLowerCase()), [...path, 'users'], 'user');
    }
  }

  if (cfg.access && !okta) {
    report(['access'], 'needs the okta section: consumer requests are assigned to Okta groups', 'remove access, or use okta as the identity provider');
  }
  if (cfg.access) {
    const { tiers, deadline, reminderEvery } = cfg.access;
    for (const [tierName, t] of Object.entries(tiers)) {
      t.groups.forEach((g, gi) => {
        if (!knownGroup(g)) report(['access', 'tiers', tierName, 'groups', gi], `group "${g}" is not defined`, groupFix);
      });
      t.scopes.forEach((sc, si) => {
        if (!knownScope(sc)) report(['access', 'tiers', tierName, 'scopes', si], `scope "${sc}" is not defined in okta.scopes`, scopeFix);
      });
      if (t.allowed.length + t.denied.length > 0 && t.scopes.length === 0) {
        report(['access', 'tiers', tierName, 'scopes'], 'the gateway probes need a token, and a token needs scopes', `list the scopes of tier ${tierName}, e.g. [${scopeNames[0] ?? 'silver'}]`);
      }
    }
    if (Object.keys(tiers).length === 0) report(['access', 'tiers'], 'must map at least one SLA tier', 'add e.g. silver: { groups: [silverSubscribers], approval: auto }');
    if (durationMs(deadline)! <= durationMs(reminderEvery)!) report(['access', 'deadline'], `must be longer than reminderEvery (${reminderEvery})`, 'raise access.deadline or shorten access.reminderEvery');
  }

  const a = cfg.assignment;
  if (a.mode === 'manual' && durationMs(a.deadline)! <= durationMs(a.reminderEvery)!) {
    report(['assignment', 'deadline'], `must be longer than reminderEvery (${a.reminderEvery})`, 'raise assignment.deadline or shorten assignment.reminderEvery');
  }

  const keysOf = (kind: (typeof KIND_ORDER)[number]) => (CATALOGUE[kind].select(cfg as TenantConfig) as never[]).map((item) => CATALOGUE[kind].key(item));
  const adoptable = KIND_ORDER.filter((kind) => !(kind in NOT_ADOPTABLE)).flatMap(keysOf);
  for (const key of Object.keys(cfg.adopt)) {
    const kind = KIND_ORDER.find((k) => k in NOT_ADOPTABLE && keysOf(k).includes(key)) as keyof typeof NOT_ADOPTABLE | undefined;
    if (kind) report(['adopt', key], `cannot be adopted: ${NOT_ADOPTABLE[kind]}`, `remove adopt['${key}']`);
    else if (!adoptable.includes(key)) report(['adopt', key], 'names no resource of this tenant file', `use one of: ${adoptable.join(', ')}`);
  }
}

export const TenantSchema = TenantObject.superRefine((cfg, ctx) =>
  crossFieldChecks(cfg, (path, message, fix) => ctx.addIssue({ code: 'custom', path, message: withFix(message, fix) })),
)
  .describe('One tenant of the Okta (or RFC 7591 provider) ⇄ MuleSoft Anypoint onboarding service.')
  // Editors learn the choice of identity provider too: exactly one of the two sections.
  .meta({ oneOf: [{ required: ['okta'] }, { required: ['rfc7591'] }] });

type Parsed = z.output<typeof TenantSchema>;
type Common = Omit<Parsed, 'okta' | 'rfc7591'>;
/** A tenant whose identity provider is Okta (the example tenant). */
export type OktaTenantConfig = Common & { okta: NonNullable<Parsed['okta']>; rfc7591?: undefined };
/** A tenant whose identity provider is an RFC 7591 provider (OpenAM, ForgeRock…): no okta section. */
export type Rfc7591TenantConfig = Common & { okta?: undefined; rfc7591: NonNullable<Parsed['rfc7591']> };
/** The validated tenant file, with defaults applied: exactly one identity provider (the cross-field checks make sure). */
export type TenantConfig = OktaTenantConfig | Rfc7591TenantConfig;
/** The identity provider kind a tenant file chose: its okta or its rfc7591 section. */
export type IdentityProviderKind = 'okta' | 'rfc7591';
/** What may be written in a tenant file (before defaults). */
export type TenantFileInput = z.input<typeof TenantSchema>;
