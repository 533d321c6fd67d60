import { AnypointClient } from '../clients/anypoint';
import { OktaClient } from '../clients/okta';
import type { TenantConfig } from '../config/tenant';
import { resolveSecretRef } from '../config/secrets';

/*
 * The credentials an onboarding produced, read from the systems that own them, never from
 * Temporal: secrets do not enter workflow history, so there is nothing to read there. Secrets are
 * masked unless the caller asks for them explicitly.
 */

export interface Credential {
  /** What the client is for. */
  purpose: 'consumer application' | 'introspection client' | 'SSO web app';
  name: string;
  clientId?: string;
  /** The secret when asked for, otherwise `hidden`; `missing` when the client does not exist (yet). */
  clientSecret: string;
}

export const HIDDEN = 'hidden';
export const MISSING = 'missing';

export async function readCredentials(cfg: TenantConfig, opts: { showSecrets: boolean }): Promise<Credential[]> {
  const okta = cfg.okta ? new OktaClient({ orgUrl: cfg.okta.orgUrl, apiToken: resolveSecretRef(cfg.okta.apiToken) }) : undefined;
  const anypoint = new AnypointClient({
    baseUrl: cfg.anypoint.baseUrl,
    clientId: resolveSecretRef(cfg.anypoint.connectedApp.clientId),
    clientSecret: resolveSecretRef(cfg.anypoint.connectedApp.clientSecret),
  });
  const shown = (secret: string | undefined) => (secret === undefined ? MISSING : opts.showSecrets ? secret : HIDDEN);
  try {
    const out: Credential[] = [];
    const { orgId } = await anypoint.me();
    for (const app of cfg.anypoint.clientApplications) {
      // Anypoint returns the secret only when asked for credentials; without --show-secrets it is never fetched.
      const found = await anypoint.findClientApplicationByName(orgId, app.name, { withCredentials: opts.showSecrets });
      out.push({
        purpose: 'consumer application',
        name: app.name,
        clientId: found?.clientId ? String(found.clientId) : undefined,
        clientSecret: found ? shown(String(found.clientSecret ?? '')) : MISSING,
      });
    }
    if (!cfg.okta) {
      // An RFC 7591 provider's introspection client is the tenant's own, by reference: nothing to look up.
      const { clientId, clientSecret } = cfg.rfc7591.introspectionClient;
      out.push({ purpose: 'introspection client', name: clientId, clientId, clientSecret: shown(opts.showSecrets ? resolveSecretRef(clientSecret) : '') });
      return out;
    }
    const oktaApps: [Credential['purpose'], string | undefined][] = [
      ['introspection client', cfg.okta.introspectionClient.label],
      ['SSO web app', cfg.okta.ssoApp?.label],
    ];
    for (const [purpose, label] of oktaApps) {
      if (!label) continue;
      const app = await okta!.findOidcAppByLabel(label);
      const secret = app?.id ? (opts.showSecrets ? await okta!.getClientSecret(app.id) : '') : undefined;
      out.push({ purpose, name: label, clientId: app ? (app.credentials?.oauthClient?.client_id ?? app.id) : undefined, clientSecret: shown(secret) });
    }
    return out;
  } finally {
    await okta?.close();
    await anypoint.close();
  }
}
