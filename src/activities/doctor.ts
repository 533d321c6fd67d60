import { ExternalApiError, RETRYABLE_KINDS } from '../clients/errors';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { anypointFor, oktaFor } from './clients';
import { authorizationServerConvergence, oktaActivities } from './okta';
import { probeGateway } from './proof';
import { proveUserSignIn } from './sign-in-proof';
import type { AnypointContext, ProbeResult, ProviderEndpoints, UserSignInProof } from './types';

/*
 * `doctor`'s evidence, read-only: what Okta holds for the tenant's policy and verification clients, and
 * what happens when each client asks for a token (a token request is the one POST doctor makes; a
 * refusal is then looked up in Okta's System Log). The diagnosis itself is in src/workflows/doctor.ts.
 */

/** The tenant's access policy, its client_credentials rule and its scopes, as Okta has them now. */
export interface DoctorPolicyEvidence {
  authorizationServer?: { id: string; status?: string };
  policy?: { id: string; name: string; status?: string };
  rule?: { id: string; name: string; status?: string; grantTypes: string[]; scopes: string[] };
  scopes: { name: string; found: boolean; metadataPublish?: string }[];
}

/** One verification client: its Okta app and the group assignments its application needs. */
export interface DoctorClientEvidence {
  applicationName: string;
  clientId?: string;
  appStatus?: string;
  assignments: { group: string; assigned: boolean }[];
}

/** The outcome of one client's token request, with the System Log's account of a refusal. */
export interface DoctorTokenEvidence {
  applicationName: string;
  granted: boolean;
  error?: string;
  /** With the granted token, the tenant file's calls through the gateway (verification.allowed/denied). */
  probes: ProbeResult[];
  logEvents: { eventType: string; reason?: string; errorDescription?: string }[];
}

/** The introspection client Anypoint's gateway uses, and the SSO app with the redirect URI Anypoint signs in through. */
export interface DoctorAppsEvidence {
  introspectionClient: { label: string; found: boolean; status?: string; authMethod?: string; applicationType?: string; grantTypes: string[] };
  sso?: { label: string; found: boolean; redirectUris: string[]; anypointRedirectUri?: string };
}

/** The client provider's registration settings as Anypoint shows them (the credential masked). */
export interface DoctorProviderEvidence {
  name: string;
  found: boolean;
  registerUrl?: string;
  /** The registration Authorization header's scheme (`SSWS`, `Bearer`, …), '' when blank. */
  authorizationScheme?: string;
}

/** A token refusal at the tenant's authorization server, as the System Log tells it. */
export interface DoctorLoggedRefusal {
  published: string;
  client?: string;
  reason?: string;
  errorDescription?: string;
}

const verifiedClients = (cfg: OktaTenantConfig) => [cfg.verification, ...(cfg.verification.otherClients ?? [])];

export async function readDoctorPolicy(cfg: OktaTenantConfig): Promise<DoctorPolicyEvidence> {
  const spec = cfg.okta;
  const okta = oktaFor(cfg);
  const server = await authorizationServerConvergence(cfg).find();
  if (!server?.id) return { scopes: [] };
  const evidence: DoctorPolicyEvidence = { authorizationServer: { id: server.id, status: server.status }, scopes: [] };
  const policy = await okta.findPolicyByName(server.id, spec.accessPolicy.name);
  if (policy) {
    evidence.policy = { id: policy.id, name: policy.name, status: policy.status };
    const rule = await okta.findRuleByName(server.id, policy.id, spec.accessPolicy.rule.name);
    if (rule) {
      evidence.rule = { id: rule.id, name: rule.name, status: rule.status, grantTypes: rule.conditions?.grantTypes?.include ?? [], scopes: rule.conditions?.scopes?.include ?? [] };
    }
  }
  // One list of the server's scopes, not a list per scope of the file.
  const scopes = await okta.listScopes(server.id);
  for (const { name } of spec.scopes) {
    const scope = scopes.find((s) => s.name === name);
    evidence.scopes.push({ name, found: scope !== undefined, metadataPublish: scope?.metadataPublish });
  }
  return evidence;
}

/** Each verification client's Okta app (found by the client id Anypoint holds) and its group assignments. */
export async function readDoctorClients(cfg: OktaTenantConfig, ctx: AnypointContext): Promise<DoctorClientEvidence[]> {
  const okta = oktaFor(cfg);
  const out: DoctorClientEvidence[] = [];
  for (const v of verifiedClients(cfg)) {
    const app = await anypointFor(cfg).findClientApplicationByName(ctx.orgId, v.clientApplication);
    const clientId = app?.clientId ? String(app.clientId) : undefined;
    const oktaApp = clientId ? await okta.getApp(clientId) : undefined;
    const groups = cfg.anypoint.clientApplications.find((a) => a.name === v.clientApplication)?.groups ?? [];
    // The check the onboarding's pause runs, so doctor and the pause never disagree about an assignment.
    const missing = oktaApp ? await oktaActivities.checkGroupAssignments(cfg, [{ applicationName: v.clientApplication, clientId: oktaApp.id, groups }]) : [];
    const assignments = oktaApp ? groups.map((group) => ({ group, assigned: !missing.some((m) => m.group === group) })) : [];
    out.push({ applicationName: v.clientApplication, clientId, appStatus: oktaApp?.status, assignments });
  }
  return out;
}

/**
 * Asks for each verification client's client_credentials token (the token stays here) and, for a
 * refusal, reads the System Log's failed token grants of that client since just before the request.
 */
export async function tryDoctorTokens(cfg: OktaTenantConfig, ctx: AnypointContext, tokenUrl: string): Promise<DoctorTokenEvidence[]> {
  const okta = oktaFor(cfg);
  const out: DoctorTokenEvidence[] = [];
  for (const v of verifiedClients(cfg)) {
    const app = await anypointFor(cfg).findClientApplicationByName(ctx.orgId, v.clientApplication, { withCredentials: true });
    if (!app?.clientId || !app.clientSecret) {
      out.push({ applicationName: v.clientApplication, granted: false, error: `Client application "${v.clientApplication}" or its credentials are not readable in Anypoint`, logEvents: [], probes: [] });
      continue;
    }
    const clientId = String(app.clientId);
    // A second back: Okta's `since` is inclusive, but clocks and rounding differ.
    const since = new Date(Date.now() - 1000).toISOString();
    try {
      const token = await okta.requestClientCredentialsToken({ tokenUrl, clientId, clientSecret: String(app.clientSecret), scopes: v.tokenScopes });
      const probes: ProbeResult[] = [];
      for (const c of [...v.allowed, ...v.denied]) probes.push(await probeGateway(cfg, c, c.expect, token.accessToken));
      out.push({ applicationName: v.clientApplication, granted: true, logEvents: [], probes });
    } catch (err) {
      // Okta unavailable is no verdict: the activity is tried again.
      if (!(err instanceof ExternalApiError) || RETRYABLE_KINDS.has(err.kind)) throw err;
      const events = await okta.listSystemLog('eventType eq "app.oauth2.as.token.grant" and outcome.result eq "FAILURE"', since);
      const mine = events.filter((e) => e.actor?.id === clientId || e.target?.some((t) => t.id === clientId || t.alternateId === v.clientApplication) || !e.actor?.id || e.actor.id === 'system');
      out.push({
        applicationName: v.clientApplication,
        granted: false,
        error: err.message,
        probes: [],
        logEvents: mine.map((e) => ({ eventType: e.eventType, reason: e.outcome?.reason, errorDescription: e.debugContext?.debugData?.errorDescription as string | undefined })),
      });
    }
  }
  return out;
}

export async function readDoctorApps(cfg: OktaTenantConfig, ctx: AnypointContext): Promise<DoctorAppsEvidence> {
  const okta = oktaFor(cfg);
  const label = cfg.okta.introspectionClient.label;
  const introspection = await okta.findOidcAppByLabel(label);
  const evidence: DoctorAppsEvidence = {
    introspectionClient: {
      label,
      found: introspection !== undefined,
      status: introspection?.status,
      authMethod: introspection?.credentials?.oauthClient?.token_endpoint_auth_method,
      applicationType: introspection?.settings?.oauthClient?.application_type,
      grantTypes: introspection?.settings?.oauthClient?.grant_types ?? [],
    },
  };
  const sso = cfg.okta.ssoApp;
  if (sso && cfg.anypoint.identityProvider) {
    const app = await okta.findOidcAppByLabel(sso.label);
    const idp = await anypointFor(cfg).findIdentityProviderByName(ctx.orgId, cfg.anypoint.identityProvider.name);
    const redirect = ((idp?.oidc_provider as { urls?: { redirect?: unknown } } | undefined)?.urls?.redirect);
    evidence.sso = { label: sso.label, found: app !== undefined, redirectUris: app?.settings?.oauthClient?.redirect_uris ?? [], anypointRedirectUri: typeof redirect === 'string' ? redirect : undefined };
  }
  return evidence;
}

/** Anypoint masks the registration credential on reads, so only its scheme (or its absence) is evidence here. */
export async function readDoctorClientProvider(cfg: TenantConfig, ctx: AnypointContext): Promise<DoctorProviderEvidence> {
  const name = cfg.anypoint.clientProvider.name;
  const provider = await anypointFor(cfg).findClientProviderByName(ctx.orgId, name);
  if (!provider) return { name, found: false };
  const client = ((provider.oidc_dynamic_client_provider ?? {}) as { client?: { urls?: { register?: string }; registration?: { authorization?: string } } }).client;
  const authorization = (client?.registration?.authorization ?? '').trim();
  return { name, found: true, registerUrl: client?.urls?.register, authorizationScheme: authorization ? authorization.split(/\s+/)[0] : '' };
}

/**
 * The failed token requests at the tenant's authorization server since `since`, from the System Log:
 * the refusals of the consumers' own requests (a browser's, say), which doctor's server-side token requests cannot reproduce.
 */
export async function readTokenRefusals(cfg: OktaTenantConfig, authServerId: string, since: string): Promise<DoctorLoggedRefusal[]> {
  const events = await oktaFor(cfg).listSystemLog('eventType eq "app.oauth2.as.token.grant" and outcome.result eq "FAILURE"', since);
  return events
    .filter((e) => e.debugContext?.debugData?.authorizationServerId === authServerId)
    .map((e) => ({
      published: e.published,
      client: e.actor?.id && e.actor.id !== 'system' ? e.actor.alternateId ?? e.actor.id : undefined,
      reason: e.outcome?.reason,
      errorDescription: typeof e.debugContext?.debugData?.errorDescription === 'string' ? e.debugContext.debugData.errorDescription : undefined,
    }));
}

/**
 * The people of `verification.signIn` signing in as the proof does (authn, authorization code + PKCE and
 * implicit, each token through the gateway): their tier rules' people conditions, seen as they see them.
 * The POSTs are the sign-in (`/api/v1/authn`) and token requests; nothing is configured.
 */
export async function tryDoctorSignIns(cfg: OktaTenantConfig, ctx: AnypointContext, endpoints: ProviderEndpoints): Promise<UserSignInProof[]> {
  return proveUserSignIn(cfg, ctx, endpoints);
}
