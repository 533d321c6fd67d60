// Workflows import this file: types only from the schema, no Node, no I/O.
import type { IdentityProviderKind, OktaTenantConfig, TenantConfig } from './tenant-schema';

/** Which identity provider the tenant file chose. */
export function identityProviderKind(cfg: TenantConfig): IdentityProviderKind {
  return cfg.okta ? 'okta' : 'rfc7591';
}

/** The tenant as an Okta tenant; an RFC 7591 tenant here is a programming error (an Okta step that should have been skipped). */
export function oktaTenant(cfg: TenantConfig): OktaTenantConfig {
  if (!cfg.okta) throw new TypeError(`Tenant ${cfg.tenant.id} has no okta section (its identity provider is rfc7591): this Okta step should not run for it.`);
  return cfg;
}
