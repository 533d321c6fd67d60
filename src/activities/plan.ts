import type { TenantConfig } from '../config/tenant';
import { anypointFor, oktaFor } from './clients';
import { planOf } from './converge';
import {
  authorizationServerConvergence,
  groupConvergence,
  introspectionClientConvergence,
  policyConvergence as oktaPolicyConvergence,
  ruleConvergence,
  groupAssignmentConvergence,
  scopeConvergence,
  ssoAppConvergence,
} from './okta';
import {
  apiInstanceConvergence,
  assetGroupId,
  clientApplicationConvergence,
  clientProviderConvergence,
  contractConvergence,
  deploymentConvergence,
  identityProviderConvergence,
  policyConvergence,
} from './anypoint';
import type { AnypointContext, Plan, PlanEntry } from './types';

/**
 * What the run would do, read before any write: the dry run prints it, and the onboarding keeps it
 * in history so that compensation can tell what this run created from what was there before.
 * It uses the same convergence definitions as the steps, so plan and execution cannot disagree.
 * Children of a resource that does not exist yet are planned as `create` without a lookup.
 */
export async function planOnboarding(cfg: TenantConfig, ctx: AnypointContext): Promise<Plan> {
  const entries: PlanEntry[] = [];
  const add = (e: PlanEntry) => entries.push(e);
  const absent = (key: string, system: PlanEntry['system'], resource: string) => add({ key, system, resource, action: 'create' });

  const server = await planOf('okta.authorizationServer', 'okta', 'Okta authorization server', authorizationServerConvergence(cfg));
  add(server);
  for (const scope of cfg.okta.scopes) {
    add(await planOf(`okta.scope:${scope.name}`, 'okta', `Okta scope "${scope.name}"`, scopeConvergence(cfg, server.id, scope.name)));
  }
  for (const group of cfg.okta.groups) {
    add(await planOf(`okta.group:${group.name}`, 'okta', `Okta group "${group.name}"`, groupConvergence(cfg, group.name)));
  }
  const policy = await planOf('okta.accessPolicy', 'okta', `Okta access policy "${cfg.okta.accessPolicy.name}"`, oktaPolicyConvergence(cfg, server.id));
  add(policy);
  if (policy.id) add(await planOf('okta.policyRule', 'okta', `Okta policy rule "${cfg.okta.accessPolicy.rule.name}"`, ruleConvergence(cfg, server.id, policy.id)));
  else absent('okta.policyRule', 'okta', `Okta policy rule "${cfg.okta.accessPolicy.rule.name}"`);
  const introspection = await planOf('okta.introspectionClient', 'okta', `Okta introspection client "${cfg.okta.introspectionClient.label}"`, introspectionClientConvergence(cfg));
  add(introspection);
  let sso: PlanEntry | undefined;
  if (cfg.okta.ssoApp) {
    sso = await planOf('okta.ssoApp', 'okta', `Okta SSO web app "${cfg.okta.ssoApp.label}"`, ssoAppConvergence(cfg));
    add(sso);
    for (const group of cfg.okta.ssoApp.groups ?? []) {
      add(await planOf(`okta.ssoAssignment:${group}`, 'okta', `Okta group "${group}" assigned to the SSO app`, groupAssignmentConvergence(cfg, sso.id, group)));
    }
  }

  // Anypoint resources that embed Okta values are compared against the current Okta endpoints.
  const endpoints = server.id ? await oktaFor(cfg).getMetadata(server.id).then((m) => ({
    issuer: m.issuer, authorize: m.authorization_endpoint, token: m.token_endpoint, introspect: m.introspection_endpoint,
    register: m.registration_endpoint, userinfo: m.userinfo_endpoint, keys: m.jwks_uri,
  })) : undefined;
  const provider = await planOf('anypoint.clientProvider', 'anypoint', `Anypoint client provider "${cfg.anypoint.clientProvider.name}"`,
    clientProviderConvergence(cfg, ctx, endpoints, introspection.id));
  add(provider);
  if (cfg.okta.ssoApp) {
    const name = cfg.anypoint.identityProvider?.name ?? 'Okta';
    add(await planOf('anypoint.identityProvider', 'anypoint', `Anypoint identity provider "${name}"`, identityProviderConvergence(cfg, ctx, endpoints, sso?.id)));
  }
  // Planned like any other resource: an asset that was already in Exchange must get no undo.
  if (cfg.anypoint.api.raml) {
    const { assetId, version } = cfg.anypoint.api.asset;
    const id = `${assetGroupId(cfg, ctx)}/${assetId}/${version}`;
    const resource = `Exchange asset ${id}`;
    if (await anypointFor(cfg).getAsset(assetGroupId(cfg, ctx), assetId, version)) add({ key: 'anypoint.asset', system: 'anypoint', resource, action: 'unchanged', id });
    else absent('anypoint.asset', 'anypoint', resource);
  }
  const api = await planOf('anypoint.apiInstance', 'anypoint', `API instance "${cfg.anypoint.api.instanceLabel}"`, apiInstanceConvergence(cfg, ctx, provider.id));
  add(api);
  add(await planOf('anypoint.deployment', 'anypoint', `Proxy deployment "${cfg.anypoint.api.proxy.applicationName}"`, deploymentConvergence(cfg, ctx, api.id)));
  for (const [index, p] of cfg.anypoint.api.policies.entries()) {
    add(await planOf(`anypoint.policy:${index}`, 'anypoint', `OIDC policy ${p.methods.join('|')} ${p.resource}`, policyConvergence(cfg, ctx, api.id, index)));
  }
  for (const app of cfg.anypoint.clientApplications) {
    const planned = await planOf(`anypoint.application:${app.name}`, 'anypoint', `Exchange client application "${app.name}"`, clientApplicationConvergence(cfg, ctx, api.id, app.name));
    add(planned);
    add(await planOf(`anypoint.contract:${app.name}`, 'anypoint', `Contract of "${app.name}"`, contractConvergence(cfg, ctx, api.id, planned.id)));
    // Assignments the run makes itself (auto mode); a manual assignment is the Okta admin's, never undone.
    if (cfg.assignment.mode === 'auto') {
      for (const group of app.groups) {
        add(await planOf(`okta.assignment:${app.name}:${group}`, 'okta', `Okta group "${group}" assigned to the client of "${app.name}"`, groupAssignmentConvergence(cfg, planned.facts?.clientId, group)));
      }
    }
  }
  return { entries };
}
