import type { TenantConfig } from '../../../src/config/tenant';
import type { OnboardingProgress } from '../../../src/workflows/messages';
import { inventoryDiff, inventoryOf, type Inventory } from '../../support/inventory';
import type { OnboardingStack } from '../../support/onboarding-stack';

/**
 * What a clean onboarding of the example tenant adds to fresh sandboxes (the same list the happy
 * path asserts): any duplicate either throws in inventoryOf (two resources, one identity) or
 * shows up here as an extra identity.
 */
export const EXAMPLE_TENANT_IDENTITIES = [
  'okta.authServer:solar-system',
  ...['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'device_sso'].map((s) => `okta.scope:solar-system/${s}`),
  'okta.scope:solar-system/silver',
  'okta.scope:solar-system/gold',
  'okta.policy:solar-system/Solar system access',
  'okta.rule:solar-system/Solar system access/Subscribers',
  'okta.rule:solar-system/Solar system access/Anypoint sign-in',
  'okta.rule:solar-system/Solar system access/Silver tier',
  'okta.rule:solar-system/Solar system access/Gold tier',
  'okta.group:silverSubscribers',
  'okta.group:goldSubscribers',
  'okta.app:Anypoint introspection client',
  'okta.app:Anypoint Platform SSO',
  'okta.appGroup:Anypoint Platform SSO→Everyone',
  'okta.app:Solar System Silver',
  'okta.appGroup:Solar System Silver→silverSubscribers',
  'okta.app:Solar System Gold',
  'okta.appGroup:Solar System Gold→goldSubscribers',
  'okta.app:Solar System Web',
  'okta.appGroup:Solar System Web→silverSubscribers',
  'okta.appGroup:Solar System Web→goldSubscribers',
  'okta.user:carl.sagan@example.com',
  'okta.user:jocelyn.bell@example.com',
  'anypoint.clientProvider:Okta DCR',
  'anypoint.identityProvider:Okta SSO',
  'anypoint.api:solar-system',
  'anypoint.deployment:solar-system/okta-solar-proxy',
  'anypoint.policy:solar-system/openidconnect-access-token-enforcement/[{"methodRegex":"GET","uriTemplateRegex":"/planets"}]',
  'anypoint.policy:solar-system/openidconnect-access-token-enforcement/[{"methodRegex":"GET","uriTemplateRegex":"/moons"}]',
  'anypoint.application:Solar System Silver',
  'anypoint.contract:solar-system/Solar System Silver',
  'anypoint.application:Solar System Gold',
  'anypoint.contract:solar-system/Solar System Gold',
  'anypoint.application:Solar System Web',
  'anypoint.contract:solar-system/Solar System Web',
].sort();

/** The example tenant in auto-assignment mode: the run needs no approval, so it goes through unattended. */
export const autoAssignment = (cfg: TenantConfig): TenantConfig => ({ ...cfg, assignment: { mode: 'auto' } });

/** Asserts a finished run proved the integration with every step done. */
export function expectCompletedAndProven(progress: OnboardingProgress): void {
  expect({ phase: progress.phase, error: progress.error }).toEqual({ phase: 'completed', error: undefined });
  expect(progress.proof).toMatchObject({ passed: true, introspectionActive: true, tokenScopes: ['silver'] });
  expect(progress.steps.filter((s) => s.state !== 'done')).toEqual([]);
}

/** Asserts the sandboxes hold exactly what a clean run adds to `before`: nothing missing, nothing twice. */
export async function expectExactlyTheExampleTenant(stack: OnboardingStack, before: Inventory): Promise<void> {
  const diff = inventoryDiff(before, inventoryOf(await stack.state()));
  expect(diff).toEqual({ added: EXAMPLE_TENANT_IDENTITIES, removed: [], changed: [] });
}
