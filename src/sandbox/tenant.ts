import { createHash } from 'node:crypto';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { CATALOGUE } from '../workflows/catalogue';
import type { AllSandboxes } from './index';

/*
 * Points a tenant at running sandboxes: the example tenants name the default ports, but CI and
 * tests start the sandboxes on free ports. Only URLs change; everything else is the user's file.
 */

/** The environment variables the example tenants read their secrets from, with the sandboxes' values. */
export function sandboxSecretEnv(all: AllSandboxes): Record<string, string> {
  return {
    OKTA_API_TOKEN: all.okta.apiToken,
    ANYPOINT_CLIENT_ID: all.anypoint.connectedApp.clientId,
    ANYPOINT_CLIENT_SECRET: all.anypoint.connectedApp.clientSecret,
    // The passwords of the example's sign-in users, which the onboarding creates in the sandbox (verification.signIn).
    SOLAR_SILVER_USER_PASSWORD: sandboxUserPassword(all.okta.apiToken, 'silver'),
    SOLAR_OUTSIDER_USER_PASSWORD: sandboxUserPassword(all.okta.apiToken, 'outsider'),
    // examples/solar-system-openam.tenant.yaml, when the OpenAM emulator runs.
    ...(all.openam
      ? { OPENAM_INITIAL_ACCESS_TOKEN: all.openam.initialAccessToken, OPENAM_INTROSPECTION_CLIENT_SECRET: all.openam.introspectionClient.clientSecret }
      : {}),
  };
}

/** A password per sandbox and user, derived from the sandbox's token so a restarted sandbox gives the same one. */
function sandboxUserPassword(apiToken: string, who: string): string {
  return `Sb-${createHash('sha256').update(`${apiToken}:${who}`).digest('base64url').slice(0, 20)}`;
}

/**
 * The tenant with its identity provider (Okta, or the OpenAM realm for an rfc7591 tenant), Anypoint,
 * upstream and gateway URLs replaced by the running sandboxes'.
 */
export function pointTenantAtSandboxes<T extends TenantConfig>(cfg: T, all: AllSandboxes): T {
  const proxyName = cfg.anypoint.api.proxy.applicationName;
  const common = {
    anypoint: { ...cfg.anypoint, baseUrl: all.anypoint.url, api: { ...cfg.anypoint.api, upstreamUrl: all.upstream.url } },
    verification: { ...cfg.verification, gatewayUrl: `${all.gateway.url}/${proxyName}` },
  };
  if (cfg.okta) return { ...cfg, ...common, okta: { ...cfg.okta, orgUrl: all.okta.url } };
  if (!all.openam) throw new Error(`Tenant ${cfg.tenant.id} uses an RFC 7591 provider: start the sandboxes with the OpenAM emulator (startAllSandboxes({ openam: true })).`);
  const { discoveryUrl: _discoveryUrl, issuer: _issuer, ...rest } = cfg.rfc7591!;
  const endpoint = cfg.rfc7591!.issuer ? { issuer: all.openam.issuer } : { discoveryUrl: all.openam.urls.discovery };
  return { ...cfg, ...common, rfc7591: { ...rest, ...endpoint } };
}

/**
 * The `n`th of many tenants on one org: the example tenant with every name the org must keep unique
 * (tenant id, authorization server and audience, groups, app labels, providers, the API instance,
 * proxy and client application) suffixed with `-n`, consumer access requests left out. The Exchange
 * asset is shared: one API specification, an instance of it per tenant.
 * For load tests and benchmarks of many onboardings sharing one org's rate limits.
 */
export function numberedTenant<T extends OktaTenantConfig>(cfg: T, n: number): T {
  const suffix = (name: string) => `${name}-${n}`;
  const group = (name: string) => (cfg.okta.groups.some((g) => g.name === name) ? suffix(name) : name);
  const server = cfg.okta.authorizationServer;
  const proxyName = suffix(cfg.anypoint.api.proxy.applicationName);
  const gatewayBase = cfg.verification.gatewayUrl.slice(0, cfg.verification.gatewayUrl.lastIndexOf('/'));
  const apps = cfg.anypoint.clientApplications.map((a) => ({ ...a, name: suffix(a.name), groups: a.groups.map(group) }));
  const signIn = cfg.verification.signIn;
  return {
    ...cfg,
    tenant: { ...cfg.tenant, id: suffix(cfg.tenant.id), displayName: suffix(cfg.tenant.displayName ?? cfg.tenant.id) },
    okta: {
      ...cfg.okta,
      authorizationServer: 'create' in server && server.create ? { create: { ...server.create, name: suffix(server.create.name), audience: suffix(server.create.audience) } } : server,
      groups: cfg.okta.groups.map((g) => ({ ...g, name: suffix(g.name) })),
      accessPolicy: {
        ...cfg.okta.accessPolicy,
        rule: { ...cfg.okta.accessPolicy.rule, groups: cfg.okta.accessPolicy.rule.groups.map(group) },
        groupRules: cfg.okta.accessPolicy.groupRules.map((r) => ({ ...r, groups: r.groups.map(group) })),
      },
      introspectionClient: { ...cfg.okta.introspectionClient, label: suffix(cfg.okta.introspectionClient.label) },
      ...(cfg.okta.ssoApp ? { ssoApp: { ...cfg.okta.ssoApp, label: suffix(cfg.okta.ssoApp.label), groups: cfg.okta.ssoApp.groups.map(group) } } : {}),
    },
    anypoint: {
      ...cfg.anypoint,
      clientProvider: { name: suffix(cfg.anypoint.clientProvider.name) },
      ...(cfg.anypoint.identityProvider ? { identityProvider: { name: suffix(cfg.anypoint.identityProvider.name) } } : {}),
      api: { ...cfg.anypoint.api, instanceLabel: suffix(cfg.anypoint.api.instanceLabel), proxy: { ...cfg.anypoint.api.proxy, applicationName: proxyName } },
      clientApplications: apps,
    },
    verification: {
      ...cfg.verification,
      clientApplication: suffix(cfg.verification.clientApplication),
      gatewayUrl: `${gatewayBase}/${proxyName}`,
      ...(cfg.verification.otherClients ? { otherClients: cfg.verification.otherClients.map((c) => ({ ...c, clientApplication: suffix(c.clientApplication) })) } : {}),
      // Users are org-wide: each tenant's own (carl.sagan+3@example.com), in its own groups.
      ...(signIn ? { signIn: { ...signIn, clientApplication: suffix(signIn.clientApplication), users: signIn.users.map((u) => ({ ...u, login: u.login.replace('@', `+${n}@`), groups: u.groups.map(group) })) } } : {}),
    },
    access: undefined,
  };
}

/**
 * The `n`th of many APIs on one org that share the `owner` tenant's authorization server, introspection
 * client and client provider, as an admin with many APIs on one Anypoint org runs them (Anypoint takes 25
 * client providers per org): `numberedTenant`'s own names, except that it adopts those three by the owner's
 * names, and owns on the shared server only what is its own: its scopes (`silver-n`), its access policy and
 * its rules. Sign-in to Anypoint (the SSO app and identity provider) is the org's, left to the owner.
 * `owner` is a tenant that creates its authorization server (the example tenant).
 */
export function sharingTenant<T extends OktaTenantConfig>(owner: T, n: number): T {
  const server = owner.okta.authorizationServer;
  if (!('create' in server)) throw new TypeError(`sharingTenant: the owner ${owner.tenant.id} must create its authorization server, not adopt one`);
  const numbered = numberedTenant(owner, n);
  const own = new Set(owner.okta.scopes.map((s) => s.name));
  const scope = (name: string) => (own.has(name) ? `${name}-${n}` : name);
  const scopes = (names: string[]) => names.map(scope);
  const { okta, anypoint, verification } = numbered;
  const { ssoApp: _orgSignIn, ...oktaWithoutSso } = okta;
  const { identityProvider: _orgIdentityProvider, ...anypointWithoutIdp } = anypoint;
  const signIn = verification.signIn;
  return {
    ...numbered,
    okta: {
      ...oktaWithoutSso,
      authorizationServer: { adopt: server.create.name },
      scopes: okta.scopes.map((s) => ({ ...s, name: scope(s.name) })),
      accessPolicy: {
        ...okta.accessPolicy,
        name: `${okta.accessPolicy.name}-${n}`,
        rule: { ...okta.accessPolicy.rule, scopes: scopes(okta.accessPolicy.rule.scopes) },
        groupRules: okta.accessPolicy.groupRules.map((r) => ({ ...r, scopes: scopes(r.scopes) })),
      },
      introspectionClient: owner.okta.introspectionClient,
    },
    anypoint: {
      ...anypointWithoutIdp,
      clientProvider: owner.anypoint.clientProvider,
      api: { ...anypoint.api, policies: anypoint.api.policies.map((p) => ({ ...p, scopes: scopes(p.scopes) })) },
    },
    verification: {
      ...verification,
      tokenScopes: scopes(verification.tokenScopes),
      otherClients: verification.otherClients.map((c) => ({ ...c, tokenScopes: scopes(c.tokenScopes) })),
      ...(signIn ? { signIn: { ...signIn, users: signIn.users.map((u) => ({ ...u, scopes: scopes(u.scopes) })) } } : {}),
    },
    adopt: {
      ...numbered.adopt,
      [CATALOGUE.introspectionClient.key(null)]: owner.okta.introspectionClient.label,
      [CATALOGUE.clientProvider.key(null)]: owner.anypoint.clientProvider.name,
    },
  };
}
