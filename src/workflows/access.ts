import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type * as activities from '../activities';
import type { AccessContract, AccessProof, ApiLocation, OrphanReport } from '../activities/types';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { oktaTenant } from '../config/tenant-kind';
import { TENANT_ID } from '../temporal/search-attributes';
import { CATALOGUE } from './catalogue';
import { msOf } from './durations';
import { accessRequestIdFor, accessRetireIdFor, contractOnlyAccessRequestIdFor, contractOnlyAccessRetireIdFor } from './ids';
import { ACTIVITY_OPTIONS, RECORD_OPTIONS } from './options';
import { describeError } from './saga';
import type { ApproverIdentity } from './messages';
import type { AccessDecisionEvent } from './tenant-record';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const recordAct = proxyActivities<typeof activities>(RECORD_OPTIONS);
const now = () => new Date(Date.now()).toISOString();

/*
 * Consumer access requests after onboarding. A watcher per tenant lists the contracts of the
 * tenant's API instance every access.watchEvery (one API call), starts one workflow per new
 * contract (its id derives from the contract id, so a request is handled once even when a crashed
 * watcher sees it again) and one retirement per contract that disappeared. The request assigns the
 * client to its tier's groups at once or after a person's approval, and proves the client works.
 */

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export type AccessRequestState = 'checking' | 'waiting' | 'assigning' | 'proving' | 'approved' | 'rejected' | 'refused' | 'expired' | 'failed' | 'retired' | 'kept';

export interface AccessDecision {
  decision: 'approve' | 'reject';
  by: string;
  /** The signed-in identity when the decision came from the console. */
  identity?: ApproverIdentity;
  note?: string;
  at: string;
}

export interface AccessDecisionRequest {
  decision: 'approve' | 'reject';
  /** Who decides; kept in the tenant record. */
  by: string;
  /** Set by the console from the signed-in user's ID token; kept with the decision. */
  identity?: ApproverIdentity;
  note?: string;
  /** Approve and let the project make the Okta assignment, instead of checking one made by hand. */
  assignForMe?: boolean;
}

export interface AccessRequestProgress {
  tenantId: string;
  kind: 'request' | 'retirement';
  request: AccessContract;
  tier?: string;
  groups: string[];
  approval?: 'auto' | 'manual';
  state: AccessRequestState;
  startedAt: string;
  finishedAt?: string;
  decision?: AccessDecision;
  proof?: AccessProof;
  remindersSent: number;
  /** Why the request was refused, failed or expired, with the fix. */
  reason?: string;
  /** When the wait for a decision ends the request (ISO time), while it waits. */
  deadline?: string;
}

export const accessRequestQuery = defineQuery<AccessRequestProgress>('accessRequest');
/** A person approves or rejects a request (or a deleted application's client removal) that waits. */
export const decideAccessRequestUpdate = defineUpdate<AccessDecision, [AccessDecisionRequest]>('decideAccessRequest');

export interface AccessWatchStatus {
  tenantId: string;
  watchedContracts: number;
  lastScanAt?: string;
  scans: number;
}
export const accessWatchQuery = defineQuery<AccessWatchStatus>('accessWatch');
/** A newer tenant file for the watcher (sent by each completed onboarding). */
export const reconfigureAccessWatchSignal = defineSignal<[TenantConfig]>('reconfigureAccessWatch');
/** Look now instead of at the next interval. */
export const scanAccessNowSignal = defineSignal('scanAccessNow');
/** Stop watching (the offboarding sends it). */
export const stopAccessWatchSignal = defineSignal('stopAccessWatch');

// ---------------------------------------------------------------------------------------------
// The watcher
// ---------------------------------------------------------------------------------------------

export interface AccessWatchInput {
  tenant: TenantConfig;
  /** Contracts seen so far, by id; carried across continue-as-new. */
  known?: Record<string, AccessContract>;
}

/*
 * Watchers run for as long as their tenant exists, so each change to what they do is a patch:
 * running watchers meet the new code on their next workflow task.
 */
/** Before it, requests and retirements were named by their contract alone (a reset platform reuses contract ids). */
export const IDS_NAME_CLIENT_PATCH = 'access-ids-name-client';
/** Before it, a reconfigured watcher kept the API instance it had found (a new tenant file may name another). */
export const RELOCATE_PATCH = 'watch-relocates';
/** Before it, a nudge that came during a look was cleared with it. */
export const KEEP_NUDGES_PATCH = 'watch-keeps-nudges';

/** Scans before the watcher continues as new: its history stays short however long it watches. */
const SCANS_PER_RUN = 200;

export async function watchAccessRequests({ tenant, known: carried = {} }: AccessWatchInput): Promise<void> {
  let known = carried;
  let cfg = oktaTenant(tenant);
  let stopped = false;
  let wake = false;
  const status: AccessWatchStatus = { tenantId: cfg.tenant.id, watchedContracts: Object.keys(known).length, scans: 0 };
  upsertSearchAttributes([{ key: TENANT_ID, value: cfg.tenant.id }]);
  setHandler(accessWatchQuery, () => ({ ...status, watchedContracts: Object.keys(known).length }));
  // A newer tenant file may name another organization, environment or instance: look the instance up again.
  let relocate = false;
  setHandler(reconfigureAccessWatchSignal, (next) => void ((cfg = oktaTenant(next)), (wake = true), (relocate = true)));
  setHandler(scanAccessNowSignal, () => void (wake = true));
  setHandler(stopAccessWatchSignal, () => void (stopped = true));

  let location = await locate(cfg);
  /** New contracts become requests, vanished ones retirements; each at most once. */
  const notice = async (contracts: AccessContract[]) => {
    const at = location!;
    status.scans++;
    status.lastScanAt = now();
    const current = new Set(contracts.map((c) => c.contractId));
    for (const contract of contracts) {
      if (known[contract.contractId] || ownedByOnboarding(cfg, contract)) continue;
      known[contract.contractId] = contract;
      const requestId = patched(IDS_NAME_CLIENT_PATCH) ? accessRequestIdFor(cfg.tenant.id, contract) : contractOnlyAccessRequestIdFor(cfg.tenant.id, contract.contractId);
      await startOnce(handleAccessRequest, requestId, { tenant: cfg, request: contract, location: at });
    }
    for (const [contractId, contract] of Object.entries(known)) {
      if (current.has(contractId)) continue;
      delete known[contractId];
      if (!contract.clientId) continue;
      const retireId = patched(IDS_NAME_CLIENT_PATCH) ? accessRetireIdFor(cfg.tenant.id, contract) : contractOnlyAccessRetireIdFor(cfg.tenant.id, contractId);
      await startOnce(retireAccessClient, retireId, { tenant: cfg, request: contract, location: at });
    }
  };
  while (!stopped && status.scans < SCANS_PER_RUN && !workflowInfo().continueAsNewSuggested) {
    // A nudge that comes while the watcher looks asks for a look after this one: clear it before
    // looking, not after (cleared after, it was lost and the next look came at watchEvery).
    const keepNudges = patched(KEEP_NUDGES_PATCH);
    if (keepNudges) wake = false;
    if (relocate) {
      relocate = false;
      if (patched(RELOCATE_PATCH)) {
        const next = await locate(cfg);
        if (!sameInstance(next, location)) known = {};
        location = next;
      }
    }
    const contracts = location && (await act.listAccessContracts(cfg, location));
    if (contracts) await notice(contracts);
    else {
      // The instance went away (or is not there yet): a new onboarding makes another, found at a later
      // interval; the old one's contracts went with it, and their clients show in `orphans`.
      location = await locate(cfg);
      known = {};
    }
    if (!keepNudges) wake = false;
    await condition(() => stopped || wake, msOf(cfg.access?.watchEvery ?? '1m'));
  }
  await condition(allHandlersFinished);
  if (!stopped) await continueAsNew<typeof watchAccessRequests>({ tenant: cfg, known });
}

/** The tenant's API instance, or undefined while it does not exist (the watcher waits for it, never fails for it). */
async function locate(cfg: OktaTenantConfig): Promise<ApiLocation | undefined> {
  try {
    return await act.locateApiInstance(cfg);
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'config') return undefined;
    throw err;
  }
}

function sameInstance(a: ApiLocation | undefined, b: ApiLocation | undefined): boolean {
  return a?.apiId === b?.apiId && a?.anypoint.orgId === b?.anypoint.orgId && a?.anypoint.environmentId === b?.anypoint.environmentId;
}

/** The applications of the tenant file are the onboarding's; their contracts are not requests. */
function ownedByOnboarding(cfg: TenantConfig, contract: AccessContract): boolean {
  return cfg.anypoint.clientApplications.some((a) => a.name === contract.applicationName);
}

async function startOnce<A extends [AccessWorkflowInput]>(workflow: (...args: A) => Promise<AccessRequestProgress>, workflowId: string, input: AccessWorkflowInput): Promise<void> {
  try {
    await startChild(workflow, {
      workflowId,
      args: [input] as A,
      // The request outlives the watcher's run (continue-as-new) and the watcher itself.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// One request
// ---------------------------------------------------------------------------------------------

export interface AccessWorkflowInput {
  tenant: TenantConfig;
  request: AccessContract;
  location: ApiLocation;
}

export async function handleAccessRequest({ tenant, request, location }: AccessWorkflowInput): Promise<AccessRequestProgress> {
  const cfg = oktaTenant(tenant);
  const tierName = request.tier ?? '*';
  const tier = cfg.access?.tiers[tierName];
  const p: AccessRequestProgress = { tenantId: cfg.tenant.id, kind: 'request', request, tier: request.tier, groups: tier?.groups ?? [], approval: tier?.approval, state: 'checking', startedAt: now(), remindersSent: 0 };
  upsertSearchAttributes([{ key: TENANT_ID, value: cfg.tenant.id }]);
  setHandler(accessRequestQuery, () => p);
  const clients = () => [{ applicationName: request.applicationName, clientId: request.clientId!, groups: p.groups }];
  setHandler(decideAccessRequestUpdate, async ({ decision, by, identity, note, assignForMe }) => {
    if (decision === 'approve') {
      if (assignForMe) await assignAll();
      const missing = await act.checkGroupAssignments(cfg, clients());
      if (missing.length > 0) {
        throw ApplicationFailure.create({ type: 'AssignmentMissing', nonRetryable: true, message: `Okta does not show the client ${request.clientId} of "${request.applicationName}" assigned to ${missing.map((m) => m.group).join(', ')} yet. Assign it in Okta (or approve with --assign), then approve again.` });
      }
    }
    // Two decisions in flight at once both pass the validator; the first to get here wins.
    if (p.decision) throw alreadyDecided(p.decision);
    return (p.decision = { decision, by, ...(identity ? { identity } : {}), note, at: now() });
  }, { validator: decisionValidator(() => p.state, () => p.decision) });

  const end = ending(cfg, p);

  async function assignAll(): Promise<void> {
    for (const group of p.groups) await act.assignGroupToClient(cfg, request.clientId!, group);
  }

  try {
    if (!tier) return await end('refused', `SLA tier "${request.tier ?? '(none)'}" is not mapped in access.tiers: nothing was assigned, a person must decide. Fix: add access.tiers.${request.tier ?? '"*"'}: { groups: [...], approval: manual } to the tenant file and onboard again, or assign in Okta by hand.`);
    if (!request.clientId) return await end('refused', `Anypoint shows no client id for application "${request.applicationName}": it is not registered through the tenant's client provider. Nothing was assigned.`);
    const missingGroups = await act.findMissingGroups(cfg, tier.groups);
    if (missingGroups.length > 0) return await end('refused', `Okta has no group ${missingGroups.join(', ')} (access.tiers.${tierName}.groups). Nothing was assigned. Fix: create the group in Okta, or map the tier to existing groups.`);

    if (tier.approval === 'auto') {
      p.state = 'assigning';
      await assignAll();
    } else {
      p.state = 'waiting';
      const decided = await waitWithReminders(cfg, p, () => p.decision !== undefined);
      if (!decided) return await end('expired', `Nobody approved or rejected the request within ${cfg.access!.deadline}; the client stays unassigned (it gets no token).`);
      if (p.decision!.decision === 'reject') {
        await act.deleteOktaClient(cfg, { key: CATALOGUE.registeredClient.key(request.applicationName), id: request.clientId });
        await act.rejectAccessContract(cfg, location, request.contractId);
        return await end('rejected');
      }
    }
    // A tier that asks for approval in API Manager leaves the contract PENDING until now.
    await act.approveAccessContract(cfg, location, request.contractId);
    p.state = 'proving';
    p.proof = await act.proveAccessRequest(cfg, location, request, tierName);
    return await end('approved');
  } catch (err) {
    await end('failed', describeError(err));
    throw ApplicationFailure.create({ type: 'AccessRequestFailed', nonRetryable: true, message: p.reason!, details: [p] });
  }

}

// ---------------------------------------------------------------------------------------------
// A deleted application's client
// ---------------------------------------------------------------------------------------------

/**
 * A contract disappeared from the API instance. When its application is gone from Exchange and no
 * other application uses the client, the client is deleted in Okta, at once or after approval;
 * a client still referenced is kept.
 */
export async function retireAccessClient({ tenant, request, location }: AccessWorkflowInput): Promise<AccessRequestProgress> {
  const cfg = oktaTenant(tenant);
  const p: AccessRequestProgress = { tenantId: cfg.tenant.id, kind: 'retirement', request, tier: request.tier, groups: [], state: 'checking', startedAt: now(), remindersSent: 0 };
  upsertSearchAttributes([{ key: TENANT_ID, value: cfg.tenant.id }]);
  setHandler(accessRequestQuery, () => p);
  setHandler(decideAccessRequestUpdate, ({ decision, by, identity, note }) => (p.decision = { decision, by, ...(identity ? { identity } : {}), note, at: now() }), { validator: decisionValidator(() => p.state, () => p.decision) });

  const end = ending(cfg, p);
  const refs = await act.clientReferences(cfg, location, request.clientId!, request.applicationId);
  if (refs.applicationExists || refs.referencedBy.length > 0) {
    const by = refs.referencedBy.length > 0 ? `application(s) ${refs.referencedBy.join(', ')}` : `application "${request.applicationName}"`;
    return end('kept', `The Okta client is still used by ${by}; it was not deleted.`);
  }
  if (cfg.access?.deletedApplications === 'manual') {
    p.state = 'waiting';
    if (!(await waitWithReminders(cfg, p, () => p.decision !== undefined))) return end('expired', `Nobody confirmed the removal within ${cfg.access.deadline}; the client was left in Okta.`);
    if (p.decision!.decision === 'reject') return end('kept', 'A person chose to keep the client.');
  }
  await act.deleteOktaClient(cfg, { key: CATALOGUE.registeredClient.key(request.applicationName), id: request.clientId });
  return end('retired');

}

// ---------------------------------------------------------------------------------------------
// Orphans
// ---------------------------------------------------------------------------------------------

export interface OrphanSweepResult extends OrphanReport {
  deleted: string[];
}

/** Lists Okta clients no Exchange application references; with `remove`, deletes the certain ones only. */
export async function sweepOrphanClients({ tenant, remove }: { tenant: TenantConfig; remove: boolean }): Promise<OrphanSweepResult> {
  const cfg = oktaTenant(tenant);
  const record = await act.readTenantRecord(cfg.tenant.id);
  const known = new Map<string, string>();
  for (const r of record?.resources ?? []) if (r.kind === 'registeredClient' && r.target.id) known.set(r.target.id, r.target.name ?? r.title);
  for (const e of record?.events ?? []) if (e.type === 'access' && e.request.clientId) known.set(e.request.clientId, e.request.applicationName);
  const location = await act.locateApiInstance(cfg);
  const report = await act.findOrphanClients(cfg, location, [...known].map(([clientId, application]) => ({ clientId, application })));
  const deleted: string[] = [];
  if (remove) {
    for (const orphan of report.certain) {
      await act.deleteOktaClient(cfg, { key: CATALOGUE.registeredClient.key(orphan.label), id: orphan.clientId });
      deleted.push(orphan.clientId);
      const request: AccessContract = { contractId: '', status: '', applicationId: '', applicationName: orphan.label, clientId: orphan.clientId };
      await recordDecision(cfg, { tenantId: cfg.tenant.id, kind: 'retirement', request, groups: [], state: 'retired', startedAt: now(), remindersSent: 0, reason: `orphan: ${orphan.reason}` }, orphan.clientId);
    }
  }
  return { ...report, deleted };
}

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

function alreadyDecided(d: AccessDecision): ApplicationFailure {
  return ApplicationFailure.create({ type: 'AlreadyDecided', nonRetryable: true, message: `Already ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${d.by} at ${d.at}; this decision was not recorded.` });
}

function decisionValidator(state: () => AccessRequestState, decided: () => AccessDecision | undefined) {
  return ({ decision, by }: AccessDecisionRequest) => {
    const earlier = decided();
    if (earlier) throw alreadyDecided(earlier);
    if (state() !== 'waiting') throw new Error(`This request is not waiting for a decision (state: ${state()}).`);
    if (decision !== 'approve' && decision !== 'reject') throw new Error('decision must be approve or reject.');
    if (!by?.trim()) throw new Error('say who decides (--by <name>).');
  };
}

/** Waits for `done`, reminding every access.reminderEvery; false once access.deadline passed. */
async function waitWithReminders(cfg: TenantConfig, p: AccessRequestProgress, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + msOf(cfg.access?.deadline ?? '72h');
  p.deadline = new Date(deadline).toISOString();
  const every = msOf(cfg.access?.reminderEvery ?? '1h');
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    if (await condition(done, Math.min(every, left))) return true;
    if (Date.now() < deadline) {
      p.remindersSent++;
      const what = p.kind === 'request' ? `assign client ${p.request.clientId} of "${p.request.applicationName}" to ${p.groups.join(', ')}` : `confirm the removal of Okta client ${p.request.clientId} (application "${p.request.applicationName}" was deleted)`;
      await act.remindApprover(cfg, { workflowId: workflowInfo().workflowId, missing: [what], reminder: p.remindersSent, deadline: new Date(deadline).toISOString() });
    }
  }
}

/** How a request or retirement ends: its state and why, in the tenant record, then the workflow returns. */
function ending(cfg: TenantConfig, p: AccessRequestProgress) {
  return async (state: AccessRequestState, reason?: string): Promise<AccessRequestProgress> => {
    p.state = state;
    p.reason = reason;
    p.finishedAt = now();
    await recordDecision(cfg, p);
    await condition(allHandlersFinished);
    return p;
  };
}

/** Every decision goes to the tenant record: who, when, why, and what the proof showed. */
async function recordDecision(cfg: TenantConfig, p: AccessRequestProgress, discriminator = ''): Promise<void> {
  const info = workflowInfo();
  const event: AccessDecisionEvent = {
    id: `${info.runId}:access${discriminator}`,
    at: now(),
    type: 'access',
    workflowId: info.workflowId,
    kind: p.kind,
    request: p.request,
    state: p.state,
    groups: p.groups,
    decision: p.decision,
    reason: p.reason,
    proven: p.proof?.proven,
    unproven: p.proof?.unproven,
  };
  await recordAct.recordTenantEvent(cfg.tenant.id, event);
}
