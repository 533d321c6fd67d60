import { ApplicationFailure } from '@temporalio/activity';
import type { OktaTenantConfig } from '../config/tenant';
import { EVERYONE } from '../config/tenant-schema';
import { anypointActivities, apiInstanceConvergence } from './anypoint';
import { ExternalApiError } from '../clients/errors';
import { anypointFor, oktaFor } from './clients';
import { authorizationServerConvergence } from './okta';
import { probeGateway, throwIfGatewayUnavailable } from './proof';
import type { AccessContract, AccessProof, ApiLocation, OrphanReport } from './types';

/*
 * Consumer access requests after onboarding: what the watcher reads (one contract list per
 * interval), what a request's workflow checks and changes in Okta and API Manager, its proof, and
 * the orphan sweep. Secrets (a consumer's client secret, tokens) stay inside these activities.
 */

/** Consumer access is Okta's business today (the schema refuses `access` without an okta section). */
type Cfg = OktaTenantConfig;

/** The tenant's organization, environment and API instance; refused when the tenant is not onboarded. */
export async function locateApiInstance(cfg: Cfg): Promise<ApiLocation> {
  const anypoint = await anypointActivities.readAnypointContext(cfg);
  const api = await apiInstanceConvergence(cfg, anypoint, undefined).find();
  if (!api) {
    throw ApplicationFailure.create({ type: 'config', nonRetryable: true, message: `API instance "${cfg.anypoint.api.instanceLabel}" does not exist: tenant ${cfg.tenant.id} is not onboarded. Fix: onboard it first (npm run cli -- start <tenant.yaml>).` });
  }
  return { anypoint, apiId: String(api.id) };
}

/**
 * Every contract on the API instance, in one list call: the watcher's whole cost per interval.
 * Undefined when the instance is gone (deleted, or replaced by a new onboarding): the watcher then
 * looks it up again rather than retrying a list that cannot succeed.
 */
export async function listAccessContracts(cfg: Cfg, loc: ApiLocation): Promise<AccessContract[] | undefined> {
  let contracts;
  try {
    contracts = await anypointFor(cfg).listContracts(loc.anypoint.orgId, loc.anypoint.environmentId, loc.apiId);
  } catch (err) {
    if (err instanceof ExternalApiError && err.kind === 'not_found') return undefined;
    throw err;
  }
  return contracts.map((c) => {
    const app = (c.application ?? {}) as Record<string, unknown>;
    const tier = (c.tier ?? c.requestedTier) as { name?: string } | undefined | null;
    return {
      contractId: String(c.id),
      status: String(c.status ?? ''),
      applicationId: String(app.id ?? c.applicationId ?? ''),
      applicationName: String(app.name ?? ''),
      clientId: app.clientId ? String(app.clientId) : undefined,
      tier: tier?.name ?? undefined,
    };
  });
}

/** The groups (by name) that Okta does not have: a request for them assigns nothing. */
export async function findMissingGroups(cfg: Cfg, groups: string[]): Promise<string[]> {
  const okta = oktaFor(cfg);
  const missing: string[] = [];
  for (const group of groups) {
    const found = await okta.findGroupByName(group === EVERYONE ? 'Everyone' : group, group === EVERYONE ? 'BUILT_IN' : undefined);
    if (!found) missing.push(group);
  }
  return missing;
}

/** Approves a PENDING contract (its tier asks for approval in API Manager); anything else is left as it is. */
export async function approveAccessContract(cfg: Cfg, loc: ApiLocation, contractId: string): Promise<string> {
  const { orgId, environmentId } = loc.anypoint;
  const contract = (await anypointFor(cfg).listContracts(orgId, environmentId, loc.apiId)).find((c) => String(c.id) === contractId);
  if (!contract) throw ApplicationFailure.create({ type: 'anypoint.validation', nonRetryable: true, message: `Contract ${contractId} is no longer on the API instance; nothing to approve.` });
  if (contract.status !== 'PENDING') return String(contract.status);
  return String((await anypointFor(cfg).approveContract(orgId, environmentId, loc.apiId, contractId)).status ?? 'APPROVED');
}

/** A rejected request's contract: PENDING is rejected, APPROVED revoked; one already closed stays so. */
export async function rejectAccessContract(cfg: Cfg, loc: ApiLocation, contractId: string): Promise<string> {
  const { orgId, environmentId } = loc.anypoint;
  const anypoint = anypointFor(cfg);
  const contract = (await anypoint.listContracts(orgId, environmentId, loc.apiId)).find((c) => String(c.id) === contractId);
  if (!contract) return 'GONE';
  if (contract.status === 'PENDING') return String((await anypoint.rejectContract(orgId, environmentId, loc.apiId, contractId)).status ?? 'REJECTED');
  if (contract.status === 'APPROVED') return String((await anypoint.revokeContract(orgId, environmentId, loc.apiId, contractId)).status ?? 'REVOKED');
  return String(contract.status);
}

/**
 * Whether an Okta client may be retired: its application gone from Exchange, and no other
 * application of the organization using the same client id.
 */
export async function clientReferences(cfg: Cfg, loc: ApiLocation, clientId: string, applicationId: string): Promise<{ applicationExists: boolean; referencedBy: string[] }> {
  const anypoint = anypointFor(cfg);
  const applicationExists = (await anypoint.getClientApplication(loc.anypoint.orgId, applicationId)) !== undefined;
  const referencedBy = (await anypoint.listClientApplications(loc.anypoint.orgId)).filter((a) => a.clientId === clientId).map((a) => a.name);
  return { applicationExists, referencedBy };
}

/**
 * The new client works, as far as the platform APIs let us show it: active and assigned in Okta,
 * a token with the tier's scopes, and the gateway allowing and refusing what the tier says. The
 * client secret is read from Anypoint here and never leaves this activity.
 */
export async function proveAccessRequest(cfg: Cfg, loc: ApiLocation, req: AccessContract, tierName: string): Promise<AccessProof> {
  const okta = oktaFor(cfg);
  const tier = cfg.access!.tiers[tierName];
  const app = await okta.getApp(req.clientId!);
  const proof: AccessProof = { active: app?.status === 'ACTIVE', assigned: [], tokenScopes: [], probes: [], proven: [], unproven: [] };
  for (const group of tier.groups) {
    const id = (await okta.findGroupByName(group === EVERYONE ? 'Everyone' : group, group === EVERYONE ? 'BUILT_IN' : undefined))?.id;
    if (id && (await okta.getAppGroupAssignment(req.clientId!, id))) proof.assigned.push(group);
  }
  (proof.active ? proof.proven : proof.unproven).push('client active in Okta');
  (proof.assigned.length === tier.groups.length ? proof.proven : proof.unproven).push(`assigned to ${tier.groups.join(', ')}`);
  if (tier.scopes.length === 0) {
    proof.unproven.push('token and gateway (access.tiers.' + tierName + '.scopes is empty)');
    return proof;
  }
  const credentials = await anypointFor(cfg).getClientApplication(loc.anypoint.orgId, req.applicationId, { withCredentials: true });
  if (!credentials?.clientSecret) {
    proof.unproven.push('token and gateway (Anypoint does not show this client\'s secret)');
    return proof;
  }
  const server = await authorizationServerConvergence(cfg).find();
  const tokenUrl = (await okta.getMetadata(server!.id!)).token_endpoint;
  const token = await okta.requestClientCredentialsToken({ tokenUrl, clientId: req.clientId!, clientSecret: String(credentials.clientSecret), scopes: tier.scopes });
  proof.tokenScopes = token.scope ? token.scope.split(' ') : [];
  (tier.scopes.every((s) => proof.tokenScopes.includes(s)) ? proof.proven : proof.unproven).push(`token with scopes ${tier.scopes.join(' ')}`);
  for (const c of [...tier.allowed, ...tier.denied]) {
    const probe = await probeGateway(cfg, c, c.expect, token.accessToken);
    throwIfGatewayUnavailable([probe]);
    proof.probes.push(probe);
  }
  if (proof.probes.length > 0) (proof.probes.every((p) => p.passed) ? proof.proven : proof.unproven).push('gateway allows and refuses as the tier says');
  return proof;
}

/**
 * Okta clients that no Exchange application references any more. "Certain" ones are known to the
 * tenant record as registered by this tenant's client provider; any other unreferenced OIDC client
 * is listed as "uncertain" with the reason, and is never deleted by the project.
 */
export async function findOrphanClients(cfg: Cfg, loc: ApiLocation, known: { clientId: string; application: string }[]): Promise<OrphanReport> {
  const referenced = new Set((await anypointFor(cfg).listClientApplications(loc.anypoint.orgId)).map((a) => a.clientId).filter(Boolean) as string[]);
  const ownApps = new Set([cfg.okta.introspectionClient.label, cfg.okta.ssoApp?.label].filter(Boolean) as string[]);
  const knownById = new Map(known.map((k) => [k.clientId, k.application]));
  const report: OrphanReport = { certain: [], uncertain: [] };
  for (const app of await oktaFor(cfg).listOidcApps()) {
    const clientId = app.id!;
    if (referenced.has(clientId) || ownApps.has(app.label ?? '')) continue;
    const application = knownById.get(clientId);
    if (application) report.certain.push({ clientId, label: app.label ?? '', reason: `registered by this tenant's client provider for "${application}", which Exchange no longer has` });
    else report.uncertain.push({ clientId, label: app.label ?? '', reason: 'no Exchange application references it, but the tenant record does not show it came from this tenant\'s client provider (it may predate the project, or belong to another integration)' });
  }
  return report;
}
