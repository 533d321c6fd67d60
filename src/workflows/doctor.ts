import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { DoctorAppsEvidence, DoctorClientEvidence, DoctorLoggedRefusal, DoctorPolicyEvidence, DoctorProviderEvidence, DoctorTokenEvidence } from '../activities/doctor';
import type { OktaTenantConfig, Rfc7591TenantConfig, TenantConfig } from '../config/tenant';
import { oktaTenant } from '../config/tenant-kind';
import type { AnypointContext, ProofResult, UserSignInProof } from '../activities/types';
import { TENANT_ID } from '../temporal/search-attributes';
import { ACTIVITY_OPTIONS } from './options';
import { describeError } from './saga';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);

export interface DoctorInput {
  /** An Okta tenant, or an RFC 7591 one (diagnosed at its provider: no Okta objects, no System Log). */
  tenant: TenantConfig;
  /** How far back the System Log is read for consumers' refused token requests (ISO time); 24 hours by default. */
  logSince?: string;
}

const DEFAULT_LOG_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One row of doctor's table: what was checked, what came out, and for a failure its cause and fix. */
export interface DoctorCheck {
  check: string;
  passed: boolean;
  result: string;
  cause?: string;
  fix?: string;
}

export interface DoctorReport {
  tenantId: string;
  checkedAt: string;
  healthy: boolean;
  checks: DoctorCheck[];
}

const now = () => new Date(Date.now()).toISOString();

/**
 * `doctor <tenant.yaml>`: the tenant's checks, read-only, and for each failure the cause and the fix
 * from evidence (Okta's objects, the System Log's account of a refused token). It writes nothing to
 * Okta or Anypoint, nor to the tenant record: a diagnosis is not an event of the tenant's life.
 */
export async function diagnoseTenant({ tenant, logSince }: DoctorInput): Promise<DoctorReport> {
  const tenantId = tenant.tenant.id;
  upsertSearchAttributes([{ key: TENANT_ID, value: tenantId }]);
  const report: DoctorReport = { tenantId, checkedAt: now(), healthy: false, checks: [] };
  const finish = () => ({ ...report, healthy: report.checks.every((c) => c.passed) });

  const record = await act.readTenantRecord(tenantId);
  if (!record || record.status === 'offboarded' || record.resources.length === 0) {
    report.checks.push({
      check: 'Tenant record',
      passed: false,
      result: record?.status === 'offboarded' ? 'offboarded' : 'never onboarded',
      cause: `Tenant ${tenantId} has ${record ? 'no resources in its record (it was offboarded, or no run of it created anything)' : 'no tenant record: no onboarding of it has finished'}; there is nothing to diagnose.`,
      fix: 'Onboard it first: npm run cli -- start <tenant.yaml>',
    });
    return finish();
  }
  report.checks.push({ check: 'Tenant record', passed: true, result: `${record.resources.length} resources` });
  if (!tenant.okta) {
    await diagnoseAtProvider(tenant as Rfc7591TenantConfig, report);
    return finish();
  }
  const cfg = oktaTenant(tenant);

  const token = await act.checkOktaApiToken(cfg);
  report.checks.push(
    token.valid
      ? { check: 'Okta API token', passed: true, result: 'valid' }
      : {
          check: 'Okta API token',
          passed: false,
          result: 'refused (E0000011)',
          cause: `Okta refuses the API token (okta.apiToken): it was revoked, or expired after 30 days unused. ${token.error ?? ''}`.trim(),
          fix: 'Create a new token in Okta (Security → API → Tokens) as an admin, put it where okta.apiToken points, then give it to the client provider: npm run cli -- rotate <tenant.yaml> --okta-token',
        },
  );
  if (!token.valid) return finish();

  const ctx = await anypointAccess(cfg, report);
  if (!ctx) return finish();

  // Reads that do not depend on each other go together; the tokens need the server's endpoints.
  const [policy, clients, apps, provider] = await Promise.all([act.readDoctorPolicy(cfg), act.readDoctorClients(cfg, ctx), act.readDoctorApps(cfg, ctx), act.readDoctorClientProvider(cfg, ctx)]);
  const endpoints = policy.authorizationServer ? await act.readOktaEndpoints(cfg, policy.authorizationServer.id) : undefined;
  const tokens = endpoints ? await act.tryDoctorTokens(cfg, ctx, endpoints.token) : [];
  report.checks.push(...diagnose(cfg, policy, clients, tokens), ...appChecks(apps), providerCheck(provider, endpoints?.register));
  if (endpoints && cfg.verification.signIn) {
    try {
      report.checks.push(...(await act.tryDoctorSignIns(cfg, ctx, endpoints)).map(signInCheck));
    } catch (err) {
      report.checks.push({ check: 'People signing in', passed: false, result: 'could not sign in', ...causeAndFix(describeError(err)) });
    }
  }
  if (policy.authorizationServer) {
    const since = logSince ?? new Date(Date.now() - DEFAULT_LOG_WINDOW_MS).toISOString();
    report.checks.push(refusalCheck(await act.readTokenRefusals(cfg, policy.authorizationServer.id, since), since));
  }
  return finish();
}

/** The Anypoint connected app's access, as a row; undefined when refused (nothing after it can be read). */
async function anypointAccess(cfg: TenantConfig, report: DoctorReport): Promise<AnypointContext | undefined> {
  try {
    const ctx = await act.checkAnypointAccess(cfg);
    report.checks.push({ check: 'Anypoint access', passed: true, result: `org ${ctx.orgId}` });
    return ctx;
  } catch (err) {
    report.checks.push({ check: 'Anypoint access', passed: false, result: 'refused', cause: describeError(err), fix: 'Check anypoint.connectedApp (client id and secret, its scopes on the organization and environment).' });
    return undefined;
  }
}

/**
 * An RFC 7591 tenant: the provider as the preflight checks it (discovery, the registration header,
 * the introspection client), the client provider's header, and the proof (tokens from the provider,
 * their introspection, the gateway's answers), all read-only as for an Okta tenant.
 */
async function diagnoseAtProvider(cfg: Rfc7591TenantConfig, report: DoctorReport): Promise<void> {
  const check = 'RFC 7591 provider';
  let endpoints: Awaited<ReturnType<typeof act.checkProviderAccess>>;
  try {
    endpoints = await act.checkProviderAccess(cfg);
    report.checks.push({ check, passed: true, result: `discovery, registration header and introspection client accepted (${endpoints.issuer})` });
  } catch (err) {
    report.checks.push({ check, passed: false, result: 'refused', ...causeAndFix(describeError(err)) });
    return;
  }
  const ctx = await anypointAccess(cfg, report);
  if (!ctx) return;
  report.checks.push(bearerProviderCheck(await act.readDoctorClientProvider(cfg, ctx), endpoints.register));
  try {
    report.checks.push(proofCheck(await act.proveIntegration(cfg, ctx, endpoints, '', {})));
  } catch (err) {
    report.checks.push({ check: 'Tokens and the gateway', passed: false, result: 'could not be proven', ...causeAndFix(describeError(err), 'See the cause; after a fix, converge the tenant: npm run cli -- drift <tenant.yaml> --fix') });
  }
}

/** One person of verification.signIn, as they signed in (both flows): what their tier rules let through. */
export function signInCheck(u: UserSignInProof): DoctorCheck {
  const check = `Sign-in of ${u.login}`;
  if (u.passed) return { check, passed: true, result: u.expectedRefused ? 'refused a token, as the file expects' : `code+PKCE and implicit: ${u.flows[0]?.tokenScopes.join(' ') || 'no scope'}; the gateway as expected` };
  const problems = u.flows.flatMap((f) => [
    ...(u.expectedRefused && !f.error ? [`${f.flow} got a token (scopes ${f.tokenScopes.join(' ') || 'none'}) where the file expects a refusal`] : []),
    ...(!u.expectedRefused && f.error ? [`${f.flow} was refused: ${f.error}`] : []),
    ...f.probes.filter((p) => !p.passed).map((p) => `${f.flow}: ${p.method} ${p.path} with the token in the ${p.tokenIn ?? 'header'} answered ${p.actual} where ${p.expected} was expected`),
  ]);
  return {
    check,
    passed: false,
    result: `${problems.length} problem(s)`,
    cause: `${problems.join('; ')}.`,
    fix: `Check ${u.login}'s groups in Okta against the tier rules (okta.accessPolicy.groupRules: their groups and scopes), and that the sign-in application is assigned; converge the rules: npm run cli -- drift <tenant.yaml> --fix`,
  };
}

/** An activity's refusal ("… Fix: …") as a row's cause and fix. */
function causeAndFix(message: string, fallbackFix = 'See the cause.'): { cause: string; fix: string } {
  const at = message.indexOf(' Fix: ');
  return at < 0 ? { cause: message, fix: fallbackFix } : { cause: message.slice(0, at), fix: message.slice(at + ' Fix: '.length) };
}

/** At an RFC 7591 provider Anypoint registers with "Bearer <initial access token>" (seed 004's other header). */
export function bearerProviderCheck(p: DoctorProviderEvidence, registerUrl: string): DoctorCheck {
  const check = 'Client provider registration';
  if (!p.found) return { check, passed: false, result: 'missing', cause: `Anypoint has no client provider "${p.name}": Request Access cannot register clients at the provider.`, fix: 'Onboard again: npm run cli -- start <tenant.yaml>' };
  if (p.authorizationScheme !== 'Bearer') {
    return {
      check,
      passed: false,
      result: p.authorizationScheme ? `Authorization header "${p.authorizationScheme} …"` : 'Authorization header blank',
      cause: `The client provider "${p.name}" registers clients with ${p.authorizationScheme ? `a "${p.authorizationScheme}" Authorization header` : 'a blank Authorization header'}; the provider wants "Bearer <initial access token>" and refuses the registration ("invalid client id" at Request Access).`,
      fix: 'Converge it: npm run cli -- drift <tenant.yaml> --fix (writes "Bearer <the token rfc7591.initialAccessToken points at>")',
    };
  }
  if (p.registerUrl !== registerUrl) {
    return { check, passed: false, result: `registration URL ${p.registerUrl ?? 'none'}`, cause: `The client provider "${p.name}" registers clients at ${p.registerUrl ?? 'no URL'}, not at the provider's registration endpoint ${registerUrl}: Request Access fails.`, fix: 'Converge it: npm run cli -- drift <tenant.yaml> --fix' };
  }
  return { check, passed: true, result: 'Bearer ******** (the provider accepted the token in the provider check above)' };
}

/** The proof's outcome as a row: what passed, or each part that did not. */
export function proofCheck(proof: ProofResult): DoctorCheck {
  const check = 'Tokens and the gateway';
  const calls = (p: ProofResult) => [p.withoutToken, ...p.probes];
  const all = [proof, ...(proof.otherClients ?? [])];
  if (proof.passed) return { check, passed: true, result: `${all.length} client(s): token, introspection active, ${all.flatMap(calls).map((c) => `${c.method} ${c.path} ${c.actual}`).join(', ')}` };
  const problems = all.flatMap((p) => [
    ...(p.introspectionActive ? [] : [`the introspection client does not find the token of ${p.tokenScopes.length ? `scopes ${p.tokenScopes.join(' ')}` : 'a client'} active`]),
    ...calls(p).filter((c) => !c.passed).map((c) => `${c.method} ${c.path} answered ${c.actual} where ${c.expected} was expected`),
  ]);
  return { check, passed: false, result: `${problems.length} problem(s)`, cause: `${problems.join('; ')}.`, fix: 'Converge the API instance\'s policies and the client applications: npm run cli -- drift <tenant.yaml> --fix; if it persists, check the client\'s scopes at the provider and the OpenID Connect policy\'s introspection client.' };
}

/** The checks from the evidence, each failure with its cause and fix. Pure: the tests call it too. */
export function diagnose(cfg: OktaTenantConfig, policy: DoctorPolicyEvidence, clients: DoctorClientEvidence[], tokens: DoctorTokenEvidence[]): DoctorCheck[] {
  const checks: DoctorCheck[] = [policyCheck(cfg, policy, tokens), ...scopeChecks(policy)];
  for (const client of clients) {
    checks.push(assignmentCheck(client));
    const token = tokens.find((t) => t.applicationName === client.applicationName);
    if (token) checks.push(tokenCheck(cfg, client, token, policy));
    if (token?.granted) checks.push(gatewayCheck(cfg, token));
  }
  return checks;
}

const ruleName = (cfg: OktaTenantConfig) => `rule "${cfg.okta.accessPolicy.rule.name}" of policy "${cfg.okta.accessPolicy.name}"`;
const policyFix = (cfg: OktaTenantConfig) =>
  `In Okta, Security → API → Authorization Servers → the tenant's server → Access Policies → "${cfg.okta.accessPolicy.name}": make the policy and its ${ruleName(cfg)} ACTIVE, for client_credentials and the scopes ${cfg.okta.accessPolicy.rule.scopes.join(', ')}; or converge it from the tenant file: npm run cli -- drift <tenant.yaml> --fix`;

/** What is wrong with the policy or rule that should let the verification clients' tokens through, if anything. */
function policyProblem(cfg: OktaTenantConfig, policy: DoctorPolicyEvidence): string | undefined {
  if (!policy.authorizationServer) return 'the authorization server is gone';
  if (!policy.policy) return `the access policy "${cfg.okta.accessPolicy.name}" is gone`;
  if (policy.policy.status !== 'ACTIVE') return `the access policy "${policy.policy.name}" is ${policy.policy.status}`;
  if (!policy.rule) return `the ${ruleName(cfg)} is gone`;
  if (policy.rule.status !== 'ACTIVE') return `the ${ruleName(cfg)} is ${policy.rule.status}`;
  if (!policy.rule.grantTypes.includes('client_credentials')) return `the ${ruleName(cfg)} does not allow client_credentials (it allows ${policy.rule.grantTypes.join(', ') || 'nothing'})`;
  const wanted = [cfg.verification, ...(cfg.verification.otherClients ?? [])].flatMap((v) => v.tokenScopes);
  const uncovered = [...new Set(wanted)].filter((s) => !policy.rule!.scopes.includes(s) && !policy.rule!.scopes.includes('*'));
  if (uncovered.length) return `the ${ruleName(cfg)} does not cover the scope(s) ${uncovered.join(', ')}`;
  return undefined;
}

function policyCheck(cfg: OktaTenantConfig, policy: DoctorPolicyEvidence, tokens: DoctorTokenEvidence[]): DoctorCheck {
  const problem = policyProblem(cfg, policy);
  if (!problem) return { check: 'Access policy and rule', passed: true, result: 'active' };
  const refused = tokens.filter((t) => t.logEvents.some((e) => e.reason === 'no_matching_policy')).map((t) => t.applicationName);
  const evidence = refused.length ? ` The System Log shows the token requests of ${refused.join(', ')} failed with reason no_matching_policy (access_denied: policy evaluation failed).` : '';
  return { check: 'Access policy and rule', passed: false, result: problem, cause: `No policy rule matches the clients' token requests: ${problem}.${evidence}`, fix: policyFix(cfg) };
}

function scopeChecks(policy: DoctorPolicyEvidence): DoctorCheck[] {
  return policy.scopes.map((s): DoctorCheck => {
    const check = `Scope ${s.name}`;
    if (!s.found) return { check, passed: false, result: 'missing', cause: `The authorization server has no scope "${s.name}".`, fix: 'Converge it from the tenant file: npm run cli -- drift <tenant.yaml> --fix' };
    if (s.metadataPublish === 'NO_CLIENTS') {
      return {
        check,
        passed: false,
        result: 'not in metadata (NO_CLIENTS)',
        cause: `The scope "${s.name}" is not published in the authorization server's metadata (metadataPublish NO_CLIENTS), so Anypoint does not offer it for the API's policies and applications.`,
        fix: `Set metadataPublish: ALL_CLIENTS for the scope in the tenant file (okta.scopes) and run npm run cli -- drift <tenant.yaml> --fix; or in Okta, edit the scope and tick "Include in public metadata".`,
      };
    }
    return { check, passed: true, result: `published (${s.metadataPublish ?? 'default'})` };
  });
}

function assignmentCheck(client: DoctorClientEvidence): DoctorCheck {
  const check = `Group assignments of ${client.applicationName}`;
  if (!client.clientId || !client.appStatus) return { check, passed: false, result: 'no Okta app', cause: `Okta has no app for ${client.applicationName}${client.clientId ? ` (client id ${client.clientId})` : ' (Anypoint holds no client id for it)'}.`, fix: 'Onboard again: npm run cli -- start <tenant.yaml> (the client provider registers the client).' };
  const missing = client.assignments.filter((a) => !a.assigned).map((a) => a.group);
  if (missing.length === 0) return { check, passed: true, result: client.assignments.map((a) => a.group).join(', ') || 'none needed' };
  return {
    check,
    passed: false,
    result: `not assigned to ${missing.join(', ')}`,
    cause: `The Okta client of ${client.applicationName} (${client.clientId}) is not assigned to ${missing.join(', ')}, the group(s) the tenant file gives it (anypoint.clientApplications) and its tier's rule allows: Okta refuses tokens through an app to whoever is not assigned to it, and the onboarding's assignment check fails.`,
    fix: `In Okta, Applications → ${client.applicationName} → Assignments → Assign to Groups → ${missing.join(', ')} (or PUT /api/v1/apps/${client.clientId}/groups/{groupId}).`,
  };
}

function tokenCheck(cfg: OktaTenantConfig, client: DoctorClientEvidence, token: DoctorTokenEvidence, policy: DoctorPolicyEvidence): DoctorCheck {
  const check = `Token for ${client.applicationName}`;
  if (token.granted) return { check, passed: true, result: 'granted' };
  const reasons = [...new Set(token.logEvents.map((e) => e.reason).filter(Boolean))];
  const result = `refused${reasons.length ? ` (System Log: ${reasons.join(', ')})` : ''}`;
  if (client.appStatus && client.appStatus !== 'ACTIVE') {
    return {
      check,
      passed: false,
      result,
      cause: `The Okta app of ${client.applicationName} (${client.clientId}) is ${client.appStatus}: Okta answers its token requests with invalid_client.`,
      fix: `Activate it: Okta → Applications → ${client.applicationName} → Activate (or POST /api/v1/apps/${client.clientId}/lifecycle/activate).`,
    };
  }
  if (reasons.includes('no_matching_policy')) {
    return { check, passed: false, result, cause: `Okta found no policy rule for the request (access_denied: policy evaluation failed): ${policyProblem(cfg, policy) ?? 'the rule does not match this client'}.`, fix: policyFix(cfg) };
  }
  return { check, passed: false, result, cause: token.error ?? 'Okta refused the token request.', fix: 'Read the System Log in Okta (Reports → System Log, eventType app.oauth2.as.token.grant) for this client.' };
}

/** The introspection client (the gateway's) and the SSO app (the sign-in into Anypoint). */
export function appChecks(apps: DoctorAppsEvidence): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const i = apps.introspectionClient;
  const check = 'Introspection client';
  const converge = 'or converge it from the tenant file: npm run cli -- drift <tenant.yaml> --fix';
  if (!i.found) checks.push({ check, passed: false, result: 'missing', cause: `Okta has no app "${i.label}": the gateway cannot introspect tokens, every call with a token is refused.`, fix: `Onboard again: npm run cli -- start <tenant.yaml>` });
  else if (i.status !== 'ACTIVE') checks.push({ check, passed: false, result: String(i.status), cause: `The introspection client "${i.label}" is ${i.status}: Okta refuses its introspection requests, so the gateway refuses every token.`, fix: `Activate it in Okta (Applications → ${i.label} → Activate).` });
  else if (i.authMethod === 'none' || i.applicationType !== 'service' || !i.grantTypes.includes('client_credentials')) {
    const problems = [
      ...(i.authMethod === 'none' ? ['it is a public client (token_endpoint_auth_method none): Okta answers introspection only to a confidential client with its secret'] : []),
      ...(i.applicationType !== 'service' && i.authMethod !== 'none' ? [`it is a ${i.applicationType ?? 'unknown'} app, not a service (machine-to-machine) app`] : []),
      ...(!i.grantTypes.includes('client_credentials') ? [`its grant types (${i.grantTypes.join(', ') || 'none'}) lack client_credentials`] : []),
    ];
    checks.push({
      check,
      passed: false,
      result: i.authMethod === 'none' ? 'not confidential' : 'lacks client_credentials',
      cause: `The introspection client "${i.label}" is not what Anypoint's client provider needs: ${problems.join('; ')}.`,
      fix: `In Okta, make "${i.label}" an API Services app with client authentication "Client secret" and the Client Credentials grant, ${converge}.`,
    });
  } else checks.push({ check, passed: true, result: 'confidential, client_credentials' });

  const sso = apps.sso;
  if (sso) {
    const check = 'SSO app redirect URI';
    if (!sso.found) checks.push({ check, passed: false, result: 'missing', cause: `Okta has no app "${sso.label}": sign-in to Anypoint through Okta fails.`, fix: 'Onboard again: npm run cli -- start <tenant.yaml>' });
    else if (!sso.anypointRedirectUri) checks.push({ check, passed: false, result: 'no identity provider', cause: 'Anypoint has no OpenID Connect identity provider for the tenant (or it has no redirect URI): nobody can sign in through Okta.', fix: 'Onboard again: npm run cli -- start <tenant.yaml>' });
    else if (!sso.redirectUris.includes(sso.anypointRedirectUri)) {
      checks.push({
        check,
        passed: false,
        result: 'Anypoint redirect URI missing',
        cause: `The SSO app "${sso.label}" does not list Anypoint's redirect URI ${sso.anypointRedirectUri} (it lists ${sso.redirectUris.join(', ') || 'none'}): Okta refuses the sign-in into Anypoint (redirect_uri not allowed).`,
        fix: `In Okta, Applications → ${sso.label} → General → Sign-in redirect URIs: add ${sso.anypointRedirectUri}; or run npm run cli -- drift <tenant.yaml> --fix (the onboarding sets it).`,
      });
    } else checks.push({ check, passed: true, result: sso.anypointRedirectUri });
  }
  return checks;
}

/**
 * The client provider's registration settings. A blank or non-SSWS Authorization header makes Okta
 * refuse each registration, which Anypoint shows at Request Access as "invalid client id" (seed 004).
 * Anypoint masks the token itself: a wrong SSWS token is proven only by a registration (`rotate --okta-token` does one).
 */
export function providerCheck(p: DoctorProviderEvidence, registerUrl: string | undefined): DoctorCheck {
  const check = 'Client provider registration';
  const rotate = 'npm run cli -- rotate <tenant.yaml> --okta-token (writes the token okta.apiToken points at as "SSWS <token>" and proves a registration)';
  if (!p.found) return { check, passed: false, result: 'missing', cause: `Anypoint has no client provider "${p.name}": Request Access cannot register clients in Okta.`, fix: 'Onboard again: npm run cli -- start <tenant.yaml>' };
  if (p.authorizationScheme !== 'SSWS') {
    return {
      check,
      passed: false,
      result: p.authorizationScheme ? `Authorization header "${p.authorizationScheme} …"` : 'Authorization header blank',
      cause: `The client provider "${p.name}" registers clients with ${p.authorizationScheme ? `a "${p.authorizationScheme}" Authorization header` : 'a blank Authorization header'}; Okta wants "SSWS <API token>" and refuses the registration, which Anypoint shows at Request Access as "invalid client id".`,
      fix: rotate,
    };
  }
  if (registerUrl && p.registerUrl !== registerUrl) {
    return { check, passed: false, result: `registration URL ${p.registerUrl ?? 'none'}`, cause: `The client provider "${p.name}" registers clients at ${p.registerUrl ?? 'no URL'}, not at the registration endpoint of Okta's metadata, ${registerUrl}: Request Access fails.`, fix: 'Converge it: npm run cli -- drift <tenant.yaml> --fix' };
  }
  return { check, passed: true, result: 'SSWS ******** (the token itself is proven by a registration: rotate --okta-token)' };
}

const PKCE_FROM_BROWSER = /Browser requests to the token endpoint must use Proof Key for Code Exchange/i;

/**
 * Consumers' refused token requests from the System Log. A browser's request (it sends an Origin
 * header) without PKCE is the error seed 004 hits; other refusals are counted, the checks above explain them.
 */
export function refusalCheck(refusals: DoctorLoggedRefusal[], since: string): DoctorCheck {
  const check = 'Token refusals in the System Log';
  const browser = refusals.filter((r) => PKCE_FROM_BROWSER.test(r.errorDescription ?? ''));
  if (browser.length) {
    const last = browser[browser.length - 1];
    return {
      check,
      passed: false,
      result: `${browser.length} browser request(s) refused (invalid_client, PKCE) since ${since}`,
      cause: `The System Log shows token requests refused with "${last.errorDescription}" (latest ${last.published}): they came from a browser (an Origin header), and Okta then requires PKCE. A page or tool calling the token endpoint from the browser, e.g. a test page or a CORS-enabled console, gets this error (seed 004).`,
      fix: 'Request the token from a server (no Origin header), or use the authorization code flow with PKCE (a code_verifier) in the browser; for client_credentials never call the token endpoint from a browser.',
    };
  }
  return { check, passed: true, result: refusals.length ? `${refusals.length} refusal(s) since ${since}, none from a browser` : `none since ${since}` };
}

/** The granted token through the gateway, where the tenant file expects 200 and where it expects 403. */
function gatewayCheck(cfg: OktaTenantConfig, token: DoctorTokenEvidence): DoctorCheck {
  const check = `Gateway for ${token.applicationName}`;
  const wrong = token.probes.filter((p) => !p.passed);
  const result = token.probes.map((p) => `${p.method} ${p.path} ${p.actual}`).join(', ');
  if (wrong.length === 0) return { check, passed: true, result };
  const unauthorized = wrong.filter((p) => p.actual === 401);
  if (unauthorized.length) {
    return {
      check,
      passed: false,
      result,
      cause: `The gateway answered 401 to a valid token (${unauthorized.map((p) => `${p.method} ${p.path}`).join(', ')}): its introspection of the token failed (the introspection client, or the client provider's introspection settings).`,
      fix: `Check the introspection client "${cfg.okta.introspectionClient.label}" and the client provider "${cfg.anypoint.clientProvider.name}" (see their rows), then: npm run cli -- drift <tenant.yaml> --fix`,
    };
  }
  return {
    check,
    passed: false,
    result,
    cause: `The gateway's answers differ from the tenant file's: ${wrong.map((p) => `${p.method} ${p.path} answered ${p.actual}, expected ${p.expected}`).join('; ')}. The API's OIDC policies (anypoint.api.policies: scopes per resource) or the token's scopes (${token.applicationName}'s tokenScopes) are not what the file says.`,
    fix: 'Converge the API policies from the tenant file: npm run cli -- drift <tenant.yaml> --fix',
  };
}
