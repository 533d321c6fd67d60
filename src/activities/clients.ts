import { AnypointClient } from '../clients/anypoint';
import { OktaClient } from '../clients/okta';
import type { TenantConfig } from '../config/tenant';
import { resolveSecretRef } from '../config/secrets';

/*
 * Credentials are resolved here, inside the worker, from the references in the tenant file:
 * they never travel through workflow history. Clients are cached per tenant and credential so
 * the Anypoint token is reused across activities instead of being fetched for each call.
 */
const oktaClients = new Map<string, OktaClient>();
const anypointClients = new Map<string, AnypointClient>();

export function oktaFor(cfg: TenantConfig): OktaClient {
  const apiToken = resolveSecretRef(cfg.okta.apiToken);
  const key = `${cfg.okta.orgUrl}\u0000${apiToken}`;
  let client = oktaClients.get(key);
  if (!client) {
    client = new OktaClient({ orgUrl: cfg.okta.orgUrl, apiToken });
    oktaClients.set(key, client);
  }
  return client;
}

export function anypointFor(cfg: TenantConfig): AnypointClient {
  const clientId = resolveSecretRef(cfg.anypoint.connectedApp.clientId);
  const clientSecret = resolveSecretRef(cfg.anypoint.connectedApp.clientSecret);
  const key = `${cfg.anypoint.baseUrl}\u0000${clientId}\u0000${clientSecret}`;
  let client = anypointClients.get(key);
  if (!client) {
    client = new AnypointClient({ baseUrl: cfg.anypoint.baseUrl, clientId, clientSecret });
    anypointClients.set(key, client);
  }
  return client;
}
