import { AnypointClient } from '../clients/anypoint';
import { OktaClient } from '../clients/okta';
import { Rfc7591ProviderClient } from '../clients/rfc7591';
import { oktaTenant, type TenantConfig } from '../config/tenant';
import { resolveSecretRef } from '../config/secrets';

/*
 * Credentials are resolved here, inside the worker, from the references in the tenant file:
 * they never travel through workflow history. Clients are cached per tenant and credential so
 * the Anypoint token is reused across activities instead of being fetched for each call.
 */
const oktaClients = new Map<string, OktaClient>();
const anypointClients = new Map<string, AnypointClient>();

let providerClient: Rfc7591ProviderClient | undefined;

export function oktaFor(cfg: TenantConfig): OktaClient {
  const { okta } = oktaTenant(cfg);
  if (!okta.oauth) return cachedOktaClient(okta.orgUrl, resolveSecretRef(okta.apiToken));
  // With okta.oauth the worker acts as the service app; the API token is then only for Anypoint.
  const oauth = { clientId: okta.oauth.clientId, privateKey: resolveSecretRef(okta.oauth.privateKey), keyId: okta.oauth.keyId, scopes: okta.oauth.scopes };
  const key = `${okta.orgUrl}\u0000${oauth.clientId}\u0000${oauth.privateKey}\u0000${oauth.scopes.join(' ')}`;
  let client = oktaClients.get(key);
  if (!client) {
    client = new OktaClient({ orgUrl: okta.orgUrl, oauth });
    oktaClients.set(key, client);
  }
  return client;
}

/**
 * A client that always uses the tenant's SSWS token, even with okta.oauth: for checking the token
 * Anypoint's client provider holds (rotation, and the drift check whose use keeps Okta from revoking
 * a token unused for 30 days).
 */
export function oktaApiTokenClientFor(cfg: TenantConfig): OktaClient {
  const { okta } = oktaTenant(cfg);
  return cachedOktaClient(okta.orgUrl, resolveSecretRef(okta.apiToken));
}

function cachedOktaClient(orgUrl: string, apiToken: string): OktaClient {
  const key = `${orgUrl}\u0000${apiToken}`;
  let client = oktaClients.get(key);
  if (!client) {
    client = new OktaClient({ orgUrl, apiToken });
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

/** The RFC 7591 provider client holds no credential (each call takes its own), so one serves every tenant. */
export function providerClientFor(): Rfc7591ProviderClient {
  return (providerClient ??= new Rfc7591ProviderClient());
}
