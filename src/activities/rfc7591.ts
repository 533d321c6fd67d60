import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { ProviderMetadata } from '../clients/rfc7591';
import { resolveSecretRef } from '../config/secrets';
import type { Rfc7591TenantConfig, TenantConfig } from '../config/tenant';
import { providerClientFor } from './clients';
import type { ProviderEndpoints, UndoTarget } from './types';

/*
 * The RFC 7591 identity provider (OpenAM, ForgeRock…): nothing is created there by this project. It is read
 * (discovery), checked in preflight without leaving anything behind, and told nothing else: Anypoint registers
 * the consumer clients there itself, through the client provider.
 */

type Cfg = Rfc7591TenantConfig;

/** The header Anypoint's client provider registers clients with (seed 003: `Bearer` for OpenAM/ForgeRock). */
export function registrationAuthorization(cfg: Cfg): string {
  return `Bearer ${resolveSecretRef(cfg.rfc7591.initialAccessToken)}`;
}

export function discoveryUrlOf(cfg: Cfg): string {
  return cfg.rfc7591.discoveryUrl ?? `${cfg.rfc7591.issuer}/.well-known/openid-configuration`;
}

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'config', nonRetryable: true, message });
}

/** The endpoints from the discovery document; refuses, with the fix, one that lacks what Anypoint needs. */
export async function readProviderEndpoints(cfg: Cfg): Promise<ProviderEndpoints> {
  const url = discoveryUrlOf(cfg);
  const doc = await providerClientFor().discover(url);
  if (cfg.rfc7591.issuer && doc.issuer !== cfg.rfc7591.issuer) {
    throw refused(`The discovery document at ${url} names the issuer ${doc.issuer}, not rfc7591.issuer ${cfg.rfc7591.issuer}. Fix: set rfc7591.issuer to ${doc.issuer} (tokens carry the document's issuer).`);
  }
  const missing = (field: keyof ProviderMetadata, why: string) =>
    refused(`The discovery document at ${url} has no ${String(field)}: ${why}. Fix: enable it at the provider (or point rfc7591.discoveryUrl at the realm that has it); nothing was created.`);
  if (!doc.registration_endpoint) throw missing('registration_endpoint', 'the provider does not offer RFC 7591 dynamic client registration, which Anypoint registers the consumer clients with (OpenAM: enable "Allow Open Dynamic Client Registration" or an initial access token in the realm\'s OAuth2 provider)');
  if (!doc.token_endpoint) throw missing('token_endpoint', 'consumers get their tokens there');
  if (!doc.introspection_endpoint) throw missing('introspection_endpoint', "the gateway's OpenID Connect policy validates tokens there (RFC 7662)");
  if (!doc.authorization_endpoint) throw missing('authorization_endpoint', "Anypoint's client provider requires it");
  return {
    issuer: doc.issuer,
    authorize: doc.authorization_endpoint,
    token: doc.token_endpoint,
    introspect: doc.introspection_endpoint,
    register: doc.registration_endpoint,
    userinfo: doc.userinfo_endpoint ?? '',
    keys: doc.jwks_uri ?? '',
  };
}

export const rfc7591Activities = {
  /**
   * Preflight of an RFC 7591 provider, no writes kept: the discovery document has the endpoints; the
   * registration endpoint accepts the header (a registration it must refuse for its metadata, see
   * Rfc7591ProviderClient.checkRegistrationHeader, so nothing is registered); the introspection client
   * authenticates at the introspection endpoint (an unknown token, which must read as inactive).
   * Returns the endpoints the onboarding uses.
   */
  async checkProviderAccess(cfg: TenantConfig): Promise<ProviderEndpoints> {
    const tenant = rfc7591Tenant(cfg);
    const provider = providerClientFor();
    const endpoints = await readProviderEndpoints(tenant);

    const probe = await provider.checkRegistrationHeader(endpoints.register, registrationAuthorization(tenant));
    if (probe.verdict === 'registered') {
      // A provider that accepted metadata RFC 7591 forbids: take the probe back through its own handle.
      if (!probe.registrationClientUri || !probe.registrationAccessToken) {
        throw refused(`The provider registered the preflight probe (client ${probe.clientId}) although its redirect URI is invalid, and gave no RFC 7592 handle to delete it. Fix: delete client ${probe.clientId} at the provider and make it validate client metadata; nothing else was created.`);
      }
      await provider.deleteRegistration(probe.registrationClientUri, probe.registrationAccessToken);
    }

    const { clientId, clientSecret } = tenant.rfc7591.introspectionClient;
    const unknownToken = randomBytes(24).toString('base64url');
    const introspection = await provider.introspect({ introspectUrl: endpoints.introspect, clientId, clientSecret: resolveSecretRef(clientSecret), token: unknownToken });
    if (introspection.active) {
      throw refused(`The provider reports a random token as active when introspected by "${clientId}". Fix: check rfc7591.discoveryUrl points at a real RFC 7662 introspection endpoint.`);
    }
    return endpoints;
  },

  /**
   * The undo of a client Anypoint registered at the provider. Anypoint keeps the client's RFC 7592 handle to
   * itself and deletes only its own application, and the protocols give this project no other way, so the
   * client stays: this fails, on purpose, with the client id, so the compensation result, the tenant record
   * and an offboarding say plainly what is left at the provider.
   */
  async reportProviderClientLeft(cfg: TenantConfig, target: UndoTarget): Promise<void> {
    const tenant = rfc7591Tenant(cfg);
    const clientId = target.id ?? '(unknown id)';
    throw ApplicationFailure.create({
      type: 'ProviderClientLeft',
      nonRetryable: true,
      message: `Client ${clientId} of application "${target.name ?? ''}" is left at the provider ${tenant.rfc7591.issuer ?? discoveryUrlOf(tenant).replace(/\/\.well-known\/.*$/, '')}: Anypoint registered it and keeps its RFC 7592 handle to itself, and the provider offers this project no other way to delete it. Fix: delete client ${clientId} in the provider's admin console (OpenAM: Applications > OAuth 2.0 > Clients).`,
      details: [{ clientId }],
    });
  },
};

function rfc7591Tenant(cfg: TenantConfig): Cfg {
  if (!cfg.rfc7591) throw new TypeError(`Tenant ${cfg.tenant.id} has no rfc7591 section: this provider step should not run for it.`);
  return cfg;
}
