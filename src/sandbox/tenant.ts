import type { TenantConfig } from '../config/tenant';
import type { AllSandboxes } from './index';

/*
 * Points a tenant at running sandboxes: the example tenant names the default ports, but CI and
 * tests start the sandboxes on free ports. Only URLs change; everything else is the user's file.
 */

/** The environment variables the example tenant reads its secrets from, with the sandboxes' values. */
export function sandboxSecretEnv(all: AllSandboxes): Record<string, string> {
  return {
    OKTA_API_TOKEN: all.okta.apiToken,
    ANYPOINT_CLIENT_ID: all.anypoint.connectedApp.clientId,
    ANYPOINT_CLIENT_SECRET: all.anypoint.connectedApp.clientSecret,
  };
}

/** The tenant with its Okta, Anypoint, upstream and gateway URLs replaced by the running sandboxes'. */
export function pointTenantAtSandboxes(cfg: TenantConfig, all: AllSandboxes): TenantConfig {
  const proxyName = cfg.anypoint.api.proxy.applicationName;
  return {
    ...cfg,
    okta: { ...cfg.okta, orgUrl: all.okta.url },
    anypoint: { ...cfg.anypoint, baseUrl: all.anypoint.url, api: { ...cfg.anypoint.api, upstreamUrl: all.upstream.url } },
    verification: { ...cfg.verification, gatewayUrl: `${all.gateway.url}/${proxyName}` },
  };
}
