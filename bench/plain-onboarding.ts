/*
 * The baseline of the onboarding benchmark: what a plain script does to onboard the example tenant
 * on an empty org, with no engine and no look-ups. The same creates as the workflow, made by the
 * project's own convergence definitions (their `create`, never their `find`), one after the other in
 * dependency order, plus only the reads whose answers a later call needs (the Anypoint organization
 * and environment, the authorization server's metadata, the Everyone group's id, the SSO app before
 * its redirect URI is written, the verification application's secret) and the proof.
 * Its request count is the minimal count the benchmark compares the workflow with.
 */
import type { OktaTenantConfig } from '../src/config/tenant';
import { anypointActivities, apiInstanceConvergence, clientApplicationConvergence, clientProviderConvergence, contractConvergence, deploymentConvergence, identityProviderConvergence, policyConvergence } from '../src/activities/anypoint';
import {
  authorizationServerConvergence,
  groupAssignmentConvergence,
  groupConvergence,
  groupRuleConvergence,
  introspectionClientConvergence,
  oktaActivities,
  policyConvergence as oktaPolicyConvergence,
  ruleConvergence,
  scopeConvergence,
  ssoAppConvergence,
  verificationUserConvergence,
} from '../src/activities/okta';
import { proveIntegration } from '../src/activities/proof';
import type { ProofResult } from '../src/activities/types';
import { CATALOGUE } from '../src/workflows/catalogue';

export async function plainOnboarding(cfg: OktaTenantConfig): Promise<ProofResult> {
  const okta = cfg.okta;
  const ctx = await anypointActivities.readAnypointContext(cfg);
  const groupIds: Record<string, string> = {};
  for (const g of okta.groups) groupIds[g.name] = (await groupConvergence(cfg, g.name).create()).id;
  const server = await authorizationServerConvergence(cfg).create();
  for (const s of okta.scopes) await scopeConvergence(cfg, server.id, s.name).create();
  const policy = await oktaPolicyConvergence(cfg, server.id).create();
  await ruleConvergence(cfg, server.id, policy.id, groupIds).create();
  // The tiers' rules for people, and the sign-in proof's users in their groups (the tenant file's seed 002 part).
  for (const rule of okta.accessPolicy.groupRules) await groupRuleConvergence(cfg, server.id, policy.id, rule.name, groupIds).create();
  for (const login of CATALOGUE.verificationUser.select(cfg)) await verificationUserConvergence(cfg, login, groupIds).create();
  const introspection = await introspectionClientConvergence(cfg).create();
  const sso = okta.ssoApp ? await ssoAppConvergence(cfg).create() : undefined;
  if (sso) for (const group of okta.ssoApp?.groups ?? []) await groupAssignmentConvergence(cfg, sso.id, group, groupIds[group]).create();
  const endpoints = await oktaActivities.readOktaEndpoints(cfg, server.id);
  const provider = await clientProviderConvergence(cfg, ctx, endpoints, introspection.id).create();
  if (sso) {
    const idp = await identityProviderConvergence(cfg, ctx, endpoints, sso.id).create();
    const redirect = String(((idp.oidc_provider as Record<string, unknown> | undefined)?.urls as Record<string, unknown> | undefined)?.redirect ?? '');
    await oktaActivities.setSsoRedirectUri(cfg, sso.id, redirect);
  }
  const providerId = String(provider.provider_id ?? provider.providerId ?? provider.id);
  const api = await apiInstanceConvergence(cfg, ctx, providerId).create();
  const apiId = String(api.id);
  await deploymentConvergence(cfg, ctx, apiId).create();
  for (let i = 0; i < cfg.anypoint.api.policies.length; i++) await policyConvergence(cfg, ctx, apiId, i).create();
  const applicationIds: Record<string, string> = {};
  for (const app of cfg.anypoint.clientApplications) {
    const created = await clientApplicationConvergence(cfg, ctx, apiId, app.name).create();
    applicationIds[app.name] = String(created.id);
    await contractConvergence(cfg, ctx, apiId, String(created.id)).create();
    for (const group of app.groups) await groupAssignmentConvergence(cfg, String(created.clientId), group, groupIds[group]).create();
  }
  return proveIntegration(cfg, ctx, endpoints, apiId, { introspectionClientId: introspection.id, verificationApplicationId: applicationIds[cfg.verification.clientApplication] });
}
