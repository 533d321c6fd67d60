import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import type { TenantConfig } from '../config/tenant';
import { CATALOGUE } from '../workflows/catalogue';
import { lookup } from './adopt';
import { anypointFor, oktaFor } from './clients';
import { converge, diffFields, isFirstAttempt, unlessParentGone, type Convergence } from './converge';
import type { AnypointContext, OktaEndpoints, PlanFinding, StepResult, UndoTarget } from './types';
import { resolveSecretRef } from '../config/secrets';
import { ApplicationFailure } from '@temporalio/activity';
import { registrationAuthorization } from './rfc7591';
import { withAuthorizationServerUrls } from './raml';
import { sharedResourceInUse } from './failures';

/*
 * Anypoint converge steps: one write at most each, exact-identity lookups (Exchange's `query` is
 * fuzzy, so the client pages through and matches names exactly), safe to retry.
 */

type Cfg = TenantConfig;
type Anypoint = ReturnType<typeof anypointFor>;

export const OIDC_POLICY = { groupId: '68ef9520-24e9-4cf2-b2f5-620025690913', assetId: 'openidconnect-access-token-enforcement', assetVersion: '1.3.0' };

export function assetGroupId(cfg: Cfg, ctx: AnypointContext): string {
  return cfg.anypoint.api.asset.groupId ?? ctx.orgId;
}

/** `listed`: the org's client providers when the caller already lists them (the plan counts them against the limit). */
export function clientProviderConvergence(
  cfg: Cfg,
  ctx: AnypointContext,
  endpoints: OktaEndpoints | undefined,
  introspectionAppId: string | undefined,
  listed?: () => Promise<AnyRecord[]>,
): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const name = cfg.anypoint.clientProvider.name;
  const desiredUrls = endpoints && { authorize: endpoints.authorize, token: endpoints.token, introspect: endpoints.introspect };
  const body = async () => ({
    name,
    type: { name: 'openid-dynamic-client', description: 'OpenID Connect Dynamic Client Registration' },
    allow_untrusted_certificates: false,
    oidc_dynamic_client_provider: {
      issuer: endpoints!.issuer,
      client_request_timeout: 5000,
      urls: desiredUrls,
      client: {
        urls: { register: endpoints!.register },
        registration: { authorization: registrationHeader(cfg) },
      },
      // The introspection client's secret is read here (from Okta, or the tenant's reference), so it never passes through history.
      primary_client: { id: introspectionAppId, secret: await introspectionSecret(cfg, introspectionAppId!) },
    },
  });
  return {
    find: lookup(cfg, CATALOGUE.clientProvider.key(null), {
      byFile: () => (listed ? providerNamed(anypoint, ctx, listed, name) : anypoint.findClientProviderByName(ctx.orgId, name)),
      byId: (id) => anypoint.getClientProvider(ctx.orgId, id),
      byName: (ref) => (listed ? providerNamed(anypoint, ctx, listed, ref) : anypoint.findClientProviderByName(ctx.orgId, ref)),
    }),
    create: async () => anypoint.createClientProvider(ctx.orgId, await body()),
    // The body's secrets (registration token, introspection secret) are never shown.
    desired: () => ({ name, issuer: endpoints?.issuer, urls: desiredUrls, register: endpoints?.register, introspectionClient: introspectionAppId }),
    differences: (p) => {
      const actual = (p.oidc_dynamic_client_provider ?? {}) as AnyRecord;
      return diffFields(
        { issuer: endpoints?.issuer, urls: desiredUrls, register: endpoints?.register, introspectionClient: introspectionAppId },
        { issuer: actual.issuer, urls: actual.urls, register: (actual.client as AnyRecord | undefined)?.urls && ((actual.client as AnyRecord).urls as AnyRecord).register, introspectionClient: (actual.primary_client as AnyRecord | undefined)?.id },
      );
    },
    update: async (p) => anypoint.patchClientProvider(ctx.orgId, providerIdOf(p), { oidc_dynamic_client_provider: (await body()).oidc_dynamic_client_provider }),
    idOf: providerIdOf,
    // Secrets are not kept: the restored introspection client's secret is read from Okta again, and
    // the registration token stays the current one (the previous one cannot be known without a secret).
    previous: (p) => {
      const actual = (p.oidc_dynamic_client_provider ?? {}) as AnyRecord;
      return { issuer: actual.issuer, urls: actual.urls, register: ((actual.client as AnyRecord | undefined)?.urls as AnyRecord | undefined)?.register, introspectionClient: (actual.primary_client as AnyRecord | undefined)?.id };
    },
    restore: async (id, previous) => {
      const current = ((await anypoint.getClientProvider(ctx.orgId, id))?.oidc_dynamic_client_provider ?? {}) as AnyRecord;
      const clientId = previous.introspectionClient as string | undefined;
      return anypoint.patchClientProvider(ctx.orgId, id, {
        oidc_dynamic_client_provider: {
          ...current,
          issuer: previous.issuer,
          urls: previous.urls,
          client: { ...((current.client as AnyRecord | undefined) ?? {}), urls: { register: previous.register }, registration: { authorization: registrationHeader(cfg) } },
          ...(clientId ? { primary_client: { id: clientId, secret: await introspectionSecret(cfg, clientId) } } : {}),
        } as JsonObject,
      });
    },
  };
}

/** findClientProviderByName over a listing the caller already has: the match read in full. */
async function providerNamed(anypoint: Anypoint, ctx: AnypointContext, listed: () => Promise<AnyRecord[]>, name: string): Promise<AnyRecord | undefined> {
  const match = (await listed()).find((p) => p.name === name);
  return match ? ((await anypoint.getClientProvider(ctx.orgId, providerIdOf(match))) ?? match) : undefined;
}

/** Okta's DCR takes an API token (`SSWS …`); an RFC 7591 provider its initial access token (`Bearer …`, seed 003). */
function registrationHeader(cfg: Cfg): string {
  return cfg.okta ? `SSWS ${resolveSecretRef(cfg.okta.apiToken)}` : registrationAuthorization(cfg);
}

function introspectionSecret(cfg: Cfg, introspectionClientId: string): Promise<string> {
  return cfg.okta ? oktaFor(cfg).getClientSecret(introspectionClientId) : Promise.resolve(resolveSecretRef(cfg.rfc7591.introspectionClient.clientSecret));
}

export function identityProviderConvergence(cfg: Cfg, ctx: AnypointContext, endpoints: OktaEndpoints | undefined, ssoAppId: string | undefined): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const name = cfg.anypoint.identityProvider?.name ?? 'Okta';
  const desiredUrls = endpoints && { authorize: endpoints.authorize, token: endpoints.token, userinfo: endpoints.userinfo };
  const body = async () => ({
    name,
    type: { name: 'openid', description: 'OpenID Connect' },
    oidc_provider: {
      // Manual registration: the tool owns the Okta app, so it can give it Anypoint's redirect URI.
      client: { credentials: { id: ssoAppId, secret: await oktaFor(cfg).getClientSecret(ssoAppId!) } },
      issuer: endpoints!.issuer,
      urls: desiredUrls,
    },
    allow_untrusted_certificates: false,
    login_disabled: false,
  });
  return {
    find: lookup(cfg, CATALOGUE.identityProvider.key(null), {
      byFile: () => anypoint.findIdentityProviderByName(ctx.orgId, name),
      byId: (id) => anypoint.getIdentityProvider(ctx.orgId, id),
      byName: (ref) => anypoint.findIdentityProviderByName(ctx.orgId, ref),
    }),
    create: async () => anypoint.createIdentityProvider(ctx.orgId, await body()),
    desired: () => ({ name, issuer: endpoints?.issuer, urls: desiredUrls, clientId: ssoAppId }),
    differences: (idp) => {
      const actual = (idp.oidc_provider ?? {}) as AnyRecord;
      const urls = (actual.urls ?? {}) as AnyRecord;
      return diffFields(
        { issuer: endpoints?.issuer, urls: desiredUrls, clientId: ssoAppId },
        { issuer: actual.issuer, urls: { authorize: urls.authorize, token: urls.token, userinfo: urls.userinfo }, clientId: ((actual.client as AnyRecord | undefined)?.credentials as AnyRecord | undefined)?.id },
      );
    },
    update: async (idp) => {
      const { oidc_provider } = await body();
      return anypoint.patchIdentityProvider(ctx.orgId, providerIdOf(idp), { oidc_provider });
    },
    idOf: providerIdOf,
    facts: (idp) => ({ redirectUri: String(((idp.oidc_provider as AnyRecord | undefined)?.urls as AnyRecord | undefined)?.redirect ?? '') }),
    previous: (idp) => {
      const actual = (idp.oidc_provider ?? {}) as AnyRecord;
      return { issuer: actual.issuer, urls: actual.urls, clientId: ((actual.client as AnyRecord | undefined)?.credentials as AnyRecord | undefined)?.id };
    },
    restore: async (id, previous) => {
      const clientId = previous.clientId as string | undefined;
      const credentials = clientId ? { client: { credentials: { id: clientId, secret: await oktaFor(cfg).getClientSecret(clientId) } } } : {};
      return anypoint.patchIdentityProvider(ctx.orgId, id, { oidc_provider: { issuer: previous.issuer, urls: previous.urls, ...credentials } as JsonObject });
    },
  };
}

/** "Up to 25 external client providers" per organization (managing-api-clients.adoc); the plan warns by it too. */
export const CLIENT_PROVIDER_LIMIT = 25;

/**
 * Seed 002 warns that an Anypoint tenant takes one external OAuth server. Today an organization takes up to
 * 25 client providers, and the limit that remains is per API instance: it has one client provider, which
 * Anypoint does not change once the instance has contracts or OpenID Connect policies. Both are read here,
 * before any write, and a conflict is explained instead of failing half-way.
 */
async function refuseClientProviderConflicts(cfg: Cfg, ctx: AnypointContext): Promise<void> {
  const anypoint = anypointFor(cfg);
  const providers = await anypoint.listClientProviders(ctx.orgId);
  const wanted = cfg.anypoint.clientProvider.name;
  // A provider the file adopts (by id or name) is the tenant's to use, whatever its name.
  const adopted = cfg.adopt?.[CATALOGUE.clientProvider.key(null)];
  const own = providers.find((p) => p.name === wanted || (adopted !== undefined && (p.name === adopted || providerIdOf(p) === adopted)));
  const refuse = (message: string) => ApplicationFailure.create({ type: 'config', nonRetryable: true, message });
  if (!own && providers.length >= CLIENT_PROVIDER_LIMIT) {
    throw refuse(
      `The Anypoint organization already has ${providers.length} external client providers, the most it takes, and none is named "${wanted}". Fix: share one of them (${providers.map((p) => `"${p.name}"`).join(', ')}): adopt: { '${CATALOGUE.clientProvider.key(null)}': '<its name or id>' }, with the authorization server and introspection client it points at (README, Many APIs on one org); or delete one that no API instance uses (Access Management → Client Providers).`,
    );
  }
  const api = cfg.anypoint.api;
  const instance = await anypoint.findApiInstance(ctx.orgId, ctx.environmentId, { groupId: assetGroupId(cfg, ctx), assetId: api.asset.assetId, instanceLabel: api.instanceLabel });
  const current = instance?.providerId ? String(instance.providerId) : undefined;
  if (!instance || !current || current === (own && providerIdOf(own))) return;
  const other = providers.find((p) => p.providerId === current);
  throw refuse(
    `API instance "${api.instanceLabel}" [${instance.id}] already uses the client provider ${other ? `"${other.name}"` : current}, not "${wanted}": an API instance has one client provider, and Anypoint does not change it once the instance has contracts or OpenID Connect policies. ` +
      `Fix: give this tenant its own anypoint.api.instanceLabel, or set anypoint.clientProvider.name to ${other ? `"${other.name}"` : 'that provider'} if it is this tenant's.`,
  );
}

export function apiInstanceConvergence(cfg: Cfg, ctx: AnypointContext, providerId: string | undefined): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const api = cfg.anypoint.api;
  const identity = { groupId: assetGroupId(cfg, ctx), assetId: api.asset.assetId, instanceLabel: api.instanceLabel };
  return {
    find: lookup(cfg, CATALOGUE.apiInstance.key(null), {
      byFile: () => anypoint.findApiInstance(ctx.orgId, ctx.environmentId, identity),
      byId: (id) => anypoint.getApiInstance(ctx.orgId, ctx.environmentId, id),
      byName: (label) => anypoint.findApiInstance(ctx.orgId, ctx.environmentId, { ...identity, instanceLabel: label }),
    }),
    create: () =>
      anypoint.createApiInstance(ctx.orgId, ctx.environmentId, {
        technology: 'mule4',
        providerId: providerId ?? null,
        approvalMethod: null,
        endpointUri: null,
        instanceLabel: api.instanceLabel,
        spec: { groupId: identity.groupId, assetId: api.asset.assetId, version: api.asset.version },
        endpoint: {
          deploymentType: api.proxy.type,
          type: 'raml',
          isCloudHub: api.proxy.type === 'CH',
          muleVersion4OrAbove: true,
          uri: api.upstreamUrl,
          proxyUri: 'http://0.0.0.0:8081/',
          referencesUserDomain: false,
          responseTimeout: null,
          tlsContexts: null,
        },
        routing: null,
        deployment: null,
      }),
    desired: () => ({ instanceLabel: api.instanceLabel, asset: `${api.asset.assetId} ${api.asset.version}`, providerId, upstream: api.upstreamUrl }),
    differences: (x) =>
      diffFields(
        { providerId, upstream: api.upstreamUrl, assetVersion: api.asset.version },
        { providerId: x.providerId, upstream: (x.endpoint as AnyRecord | undefined)?.uri, assetVersion: x.assetVersion },
      ),
    update: (x) =>
      anypoint.patchApiInstance(ctx.orgId, ctx.environmentId, String(x.id), {
        providerId,
        endpoint: { ...((x.endpoint as AnyRecord) ?? {}), uri: api.upstreamUrl },
        spec: { groupId: identity.groupId, assetId: api.asset.assetId, version: api.asset.version },
      }),
    idOf: (x) => String(x.id),
    previous: (x) => ({ providerId: x.providerId ?? null, endpoint: x.endpoint ?? null, spec: { groupId: x.groupId ?? identity.groupId, assetId: x.assetId ?? api.asset.assetId, version: x.assetVersion } }),
    restore: (id, previous) => anypoint.patchApiInstance(ctx.orgId, ctx.environmentId, id, previous as JsonObject),
  };
}

export function deploymentConvergence(cfg: Cfg, ctx: AnypointContext, apiId: string | undefined): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const proxy = cfg.anypoint.api.proxy;
  const desired = { type: proxy.type, applicationName: proxy.applicationName, gatewayVersion: proxy.gatewayVersion, ...(proxy.targetId ? { targetId: proxy.targetId } : {}) };
  const deployments = async () => (apiId ? anypoint.listDeployments(ctx.orgId, ctx.environmentId, apiId) : []);
  return {
    find: lookup(cfg, CATALOGUE.deployment.key(null), {
      byFile: async () => (await deployments()).find((d: AnyRecord) => d.applicationName === proxy.applicationName),
      byId: async (id) => (await deployments()).find((d: AnyRecord) => String(d.id) === id),
      byName: async (ref) => (await deployments()).find((d: AnyRecord) => d.applicationName === ref),
    }),
    create: () =>
      anypoint.createDeployment(ctx.orgId, ctx.environmentId, apiId!, {
        ...desired,
        environmentId: ctx.environmentId,
        environmentName: cfg.anypoint.environment,
        overwrite: false,
        expectedStatus: 'deployed',
      }),
    desired: () => desired,
    differences: (d) => diffFields({ gatewayVersion: desired.gatewayVersion, type: desired.type }, d),
    update: (d) => anypoint.patchDeployment(ctx.orgId, ctx.environmentId, apiId!, String(d.id), { gatewayVersion: desired.gatewayVersion }),
    idOf: (d) => String(d.id),
    previous: (d) => ({ gatewayVersion: d.gatewayVersion }),
    restore: (id, previous) => anypoint.patchDeployment(ctx.orgId, ctx.environmentId, apiId!, id, previous as JsonObject),
  };
}

/** `listed`: the instance's policies when the caller lists them once for several policies (the plan). */
export function policyConvergence(cfg: Cfg, ctx: AnypointContext, apiId: string | undefined, index: number, listed?: () => Promise<AnyRecord[]>): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const policy = cfg.anypoint.api.policies[index];
  const pointcut = [{ methodRegex: policy.methods.join('|'), uriTemplateRegex: policy.resource }];
  const configurationData = {
    scopes: policy.scopes.join(' '),
    scopeValidationCriteria: policy.validation,
    skipClientIdValidation: policy.skipClientIdValidation,
    exposeHeaders: false,
    secureTrustStore: true,
  };
  const samePointcut = (p: AnyRecord) => JSON.stringify(p.pointcutData ?? null) === JSON.stringify(pointcut);
  const policies = async (): Promise<AnyRecord[]> => (apiId ? (listed ?? (() => anypoint.listPolicies(ctx.orgId, ctx.environmentId, apiId)))() : []);
  return {
    find: lookup(cfg, CATALOGUE.apiPolicy.key(index), {
      byFile: async () => (await policies()).find((p: AnyRecord) => p.assetId === OIDC_POLICY.assetId && samePointcut(p)),
      byId: async (id) => (await policies()).find((p: AnyRecord) => String(p.id) === id),
    }),
    create: () =>
      anypoint.createPolicy(ctx.orgId, ctx.environmentId, apiId!, { ...OIDC_POLICY, configurationData, pointcutData: pointcut, order: index + 1 }),
    desired: () => ({ methods: policy.methods.join('|'), resource: policy.resource, ...configurationData }),
    differences: (p) => diffFields(configurationData, (p.configurationData ?? {}) as AnyRecord),
    update: (p) => anypoint.patchPolicy(ctx.orgId, ctx.environmentId, apiId!, String(p.id), { configurationData }),
    idOf: (p) => String(p.id),
    previous: (p) => ({ configurationData: p.configurationData ?? {} }),
    restore: (id, previous) => anypoint.patchPolicy(ctx.orgId, ctx.environmentId, apiId!, id, previous as JsonObject),
  };
}

export function clientApplicationConvergence(cfg: Cfg, ctx: AnypointContext, apiId: string | undefined, name: string): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  const app = cfg.anypoint.clientApplications.find((a) => a.name === name)!;
  const desired = { name, description: app.description ?? '', grantTypes: app.grantTypes, redirectUri: app.redirectUris ?? [] };
  return {
    find: lookup(cfg, CATALOGUE.application.key(name), {
      byFile: () => anypoint.findClientApplicationByName(ctx.orgId, name),
      byId: (id) => anypoint.getClientApplication(ctx.orgId, id),
      byName: (ref) => anypoint.findClientApplicationByName(ctx.orgId, ref),
    }),
    // Anypoint registers the client in Okta through the instance's client provider.
    create: () => anypoint.createClientApplication(ctx.orgId, apiId!, desired),
    desired: () => desired,
    // Grant types and redirect URIs cannot change after registration: Anypoint does not propagate them to Okta.
    differences: (a) => diffFields({ description: desired.description }, { description: a.description ?? '' }),
    update: (a) => anypoint.patchClientApplication(ctx.orgId, String(a.id), { description: desired.description }),
    idOf: (a) => String(a.id),
    facts: (a) => ({ clientId: String(a.clientId ?? '') }),
    previous: (a) => ({ description: a.description ?? '' }),
    restore: (id, previous) => anypoint.patchClientApplication(ctx.orgId, id, previous as JsonObject),
  };
}

export function contractConvergence(cfg: Cfg, ctx: AnypointContext, apiId: string | undefined, applicationId: string | undefined): Convergence<AnyRecord> {
  const anypoint = anypointFor(cfg);
  return {
    find: async () =>
      apiId && applicationId
        ? (await anypoint.listContracts(ctx.orgId, ctx.environmentId, apiId)).find((c: AnyRecord) => String((c.application as AnyRecord | undefined)?.id ?? c.applicationId) === applicationId)
        : undefined,
    create: async () => {
      const contract = await anypoint.createContract(ctx.orgId, ctx.environmentId, apiId!, { applicationId: Number(applicationId), acceptedTerms: true });
      return contract.status === 'PENDING' ? anypoint.approveContract(ctx.orgId, ctx.environmentId, apiId!, String(contract.id)) : contract;
    },
    desired: () => ({ status: 'APPROVED' }),
    differences: (c) => diffFields({ status: 'APPROVED' }, c),
    update: (c) => anypoint.approveContract(ctx.orgId, ctx.environmentId, apiId!, String(c.id)),
    idOf: (c) => String(c.id),
  };
}

function providerIdOf(p: AnyRecord): string {
  return String(p.provider_id ?? p.providerId ?? p.id);
}

export const anypointActivities = {
  /** The organization and environment the tenant file names; no writes. */
  readAnypointContext: (cfg: Cfg): Promise<AnypointContext> => anypointContext(cfg),

  /** Preflight, no writes: the connected app works, the environment and the asset (or its RAML) exist, the upstream answers. */
  async checkAnypointAccess(cfg: Cfg): Promise<AnypointContext> {
    const anypoint = anypointFor(cfg);
    const ctx = await anypointContext(cfg);
    const asset = cfg.anypoint.api.asset;
    if (!cfg.anypoint.api.raml && !(await anypoint.getAsset(assetGroupId(cfg, ctx), asset.assetId, asset.version))) {
      throw ApplicationFailure.create({ type: 'anypoint.validation', nonRetryable: true, message: `Exchange asset ${assetGroupId(cfg, ctx)}/${asset.assetId}/${asset.version} does not exist. Fix: publish it, or set anypoint.api.raml so the onboarding publishes it.` });
    }
    await refuseClientProviderConflicts(cfg, ctx);
    try {
      const res = await request(cfg.anypoint.api.upstreamUrl, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000 });
      await res.body.dump();
    } catch (err) {
      throw ApplicationFailure.create({ type: 'config', nonRetryable: true, message: `The API upstream ${cfg.anypoint.api.upstreamUrl} does not answer (${(err as Error).message}). Fix: check anypoint.api.upstreamUrl.` });
    }
    return ctx;
  },

  /**
   * Publishes the tenant's RAML, its OAuth 2.0 security schemes pointing at the identity provider's
   * authorize and token URLs (seed 002's hand edit). `endpoints` is absent only in runs started before.
   */
  async publishApiAsset(cfg: Cfg, ctx: AnypointContext, endpoints?: OktaEndpoints, finding?: PlanFinding): Promise<StepResult> {
    const api = cfg.anypoint.api;
    const groupId = assetGroupId(cfg, ctx);
    const id = `${groupId}/${api.asset.assetId}/${api.asset.version}`;
    // A first attempt trusts the plan's read (see converge); a retry looks again.
    const trusted = finding && isFirstAttempt() ? finding.action : undefined;
    if (trusted === 'unchanged') return { outcome: 'unchanged', id };
    if (trusted !== 'create' && (await anypointFor(cfg).getAsset(groupId, api.asset.assetId, api.asset.version))) return { outcome: 'unchanged', id };
    const written = await readFile(api.raml!, 'utf8');
    const { text: raml, schemes } = endpoints ? withAuthorizationServerUrls(written, endpoints) : { text: written, schemes: [] };
    const created = await anypointFor(cfg).publishRamlAsset(ctx.orgId, { groupId, assetId: api.asset.assetId, version: api.asset.version, name: api.instanceLabel, raml });
    return { outcome: created ? 'created' : 'unchanged', id, facts: schemes.length > 0 ? { securitySchemes: schemes.join(' '), authorizationUri: endpoints!.authorize, accessTokenUri: endpoints!.token } : undefined };
  },

  // `finding`: what the plan read about the step's resource (see converge); older runs pass none.
  ensureClientProvider: (cfg: Cfg, ctx: AnypointContext, endpoints: OktaEndpoints, introspectionAppId: string, finding?: PlanFinding) =>
    converge(clientProviderConvergence(cfg, ctx, endpoints, introspectionAppId), finding),
  ensureIdentityProvider: (cfg: Cfg, ctx: AnypointContext, endpoints: OktaEndpoints, ssoAppId: string, finding?: PlanFinding) =>
    converge(identityProviderConvergence(cfg, ctx, endpoints, ssoAppId), finding),
  ensureApiInstance: (cfg: Cfg, ctx: AnypointContext, providerId: string, finding?: PlanFinding) => converge(apiInstanceConvergence(cfg, ctx, providerId), finding),
  ensureProxyDeployment: (cfg: Cfg, ctx: AnypointContext, apiId: string, finding?: PlanFinding) => converge(deploymentConvergence(cfg, ctx, apiId), finding),
  ensureApiPolicy: (cfg: Cfg, ctx: AnypointContext, apiId: string, index: number, finding?: PlanFinding) => converge(policyConvergence(cfg, ctx, apiId, index), finding),
  ensureClientApplication: (cfg: Cfg, ctx: AnypointContext, apiId: string, name: string, finding?: PlanFinding) =>
    converge(clientApplicationConvergence(cfg, ctx, apiId, name), finding),
  ensureContract: (cfg: Cfg, ctx: AnypointContext, apiId: string, applicationId: string, finding?: PlanFinding) =>
    converge(contractConvergence(cfg, ctx, apiId, applicationId), finding),

  // Undo steps: idempotent; a resource already gone counts as undone.

  /** By the id the run recorded (`group/asset/version`), so a later change of the tenant file cannot redirect it. */
  async deleteApiAsset(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const { asset } = cfg.anypoint.api;
    const [groupId, assetId, version] = target.id?.split('/') ?? [assetGroupId(cfg, ctx), asset.assetId, asset.version];
    await anypointFor(cfg).deleteAsset(groupId, assetId, version);
  },

  /**
   * Kept while an API instance still uses it (other tenants adopted it; this tenant's own instance is
   * removed before): Anypoint would delete it and leave those instances on no provider at all.
   */
  async deleteClientProvider(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const anypoint = anypointFor(cfg);
    const id = target.id ?? maybeId(await anypoint.findClientProviderByName(ctx.orgId, target.name!));
    if (!id) return;
    const users = await instancesUsingProvider(anypoint, ctx.orgId, id);
    if (users.length > 0) throw sharedResourceInUse(`Client provider "${target.name ?? id}" [${id}]`, users.map((u) => u.text));
    await anypoint.deleteClientProvider(ctx.orgId, id);
  },

  async deleteIdentityProvider(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const id = target.id ?? maybeId(await anypointFor(cfg).findIdentityProviderByName(ctx.orgId, target.name!));
    if (id) await anypointFor(cfg).deleteIdentityProvider(ctx.orgId, id);
  },

  async deleteApiInstance(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const id = target.id ?? (await apiInstanceConvergence(cfg, ctx, undefined).find())?.id;
    if (id !== undefined) await anypointFor(cfg).deleteApiInstance(ctx.orgId, ctx.environmentId, String(id));
  },

  async deleteProxyDeployment(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const apiId = target.parents?.apiId;
    const id = target.id ?? (await unlessParentGone(deploymentConvergence(cfg, ctx, apiId).find()))?.id;
    if (apiId && id !== undefined) await anypointFor(cfg).deleteDeployment(ctx.orgId, ctx.environmentId, apiId, String(id));
  },

  async deleteApiPolicy(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const apiId = target.parents?.apiId;
    const id = target.id ?? (await unlessParentGone(policyConvergence(cfg, ctx, apiId, Number(target.name)).find()))?.id;
    if (apiId && id !== undefined) await anypointFor(cfg).deletePolicy(ctx.orgId, ctx.environmentId, apiId, String(id));
  },

  /** Deletes the Exchange application; returns its Okta client id so the caller can remove that too. */
  async deleteClientApplication(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<{ clientId?: string }> {
    const anypoint = anypointFor(cfg);
    const app = target.id ? await anypoint.getClientApplication(ctx.orgId, target.id) : await anypoint.findClientApplicationByName(ctx.orgId, target.name!);
    if (!app) return {};
    await anypoint.deleteClientApplication(ctx.orgId, String(app.id));
    return { clientId: app.clientId ? String(app.clientId) : undefined };
  },

  async revokeContract(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const contract = await findContract(cfg, ctx, target);
    if (contract && contract.status !== 'REVOKED') await anypointFor(cfg).revokeContract(ctx.orgId, ctx.environmentId, target.parents!.apiId, String(contract.id));
  },

  async deleteContract(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<void> {
    const contract = await findContract(cfg, ctx, target);
    if (contract) await anypointFor(cfg).deleteContract(ctx.orgId, ctx.environmentId, target.parents!.apiId, String(contract.id));
  },
};

async function anypointContext(cfg: Cfg): Promise<AnypointContext> {
  const anypoint = anypointFor(cfg);
  const me = await anypoint.me();
  const env = await anypoint.findEnvironmentByName(me.orgId, cfg.anypoint.environment);
  if (!env) {
    throw ApplicationFailure.create({ type: 'anypoint.validation', nonRetryable: true, message: `Anypoint environment "${cfg.anypoint.environment}" does not exist in organization ${me.orgId}. Fix: set anypoint.environment to an existing environment name.` });
  }
  return { orgId: me.orgId, orgDomain: me.orgDomain ?? '', environmentId: env.id };
}

async function findContract(cfg: Cfg, ctx: AnypointContext, target: UndoTarget): Promise<AnyRecord | undefined> {
  const apiId = target.parents?.apiId;
  if (!apiId) return undefined;
  const contracts: AnyRecord[] = (await unlessParentGone(anypointFor(cfg).listContracts(ctx.orgId, ctx.environmentId, apiId))) ?? [];
  return contracts.find((c) => (target.id ? String(c.id) === target.id : String((c.application as AnyRecord | undefined)?.id ?? c.applicationId) === target.name));
}

/** The API instances, in every environment of the organization, whose client provider this is. */
export async function instancesUsingProvider(anypoint: Anypoint, orgId: string, providerId: string): Promise<{ environmentId: string; instanceLabel?: string; text: string }[]> {
  const users: { environmentId: string; instanceLabel?: string; text: string }[] = [];
  for (const env of await anypoint.listEnvironments(orgId)) {
    for (const api of await anypoint.listApiInstances(orgId, env.id)) {
      if (api.providerId && String(api.providerId) === providerId) {
        users.push({ environmentId: env.id, instanceLabel: api.instanceLabel, text: `API instance "${api.instanceLabel ?? api.id}" [${api.id}] in ${env.name}` });
      }
    }
  }
  return users;
}

/** The organization's client providers whose introspection client (primary_client) is this Okta app. */
export async function providersIntrospectingWith(cfg: Cfg, clientId: string): Promise<string[]> {
  const anypoint = anypointFor(cfg);
  const { orgId } = await anypoint.me();
  const users: string[] = [];
  for (const listed of await anypoint.listClientProviders(orgId)) {
    const p = (await anypoint.getClientProvider(orgId, providerIdOf(listed))) ?? listed;
    const primary = ((p.oidc_dynamic_client_provider as AnyRecord | undefined)?.primary_client as AnyRecord | undefined)?.id;
    if (primary === clientId) users.push(`client provider "${p.name}" [${providerIdOf(p)}]`);
  }
  return users;
}

function maybeId(p: AnyRecord | undefined): string | undefined {
  return p ? providerIdOf(p) : undefined;
}

type AnyRecord = Record<string, unknown>;
type JsonObject = Parameters<Anypoint['patchPolicy']>[4];
export type { Anypoint };
