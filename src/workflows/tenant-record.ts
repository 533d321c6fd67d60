import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, patched, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { AccessContract } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { CATALOGUE, type System } from './catalogue';
import type { Approval, ApproverIdentity, CompensationReport, StepProgress } from './messages';
import type { CreatedResource } from './removal';

/*
 * The tenant record: one long-running workflow per tenant (Temporal's entity pattern) that keeps
 * what the tenant's runs created, who approved what, and every run's outcome, for as long as the
 * tenant exists. Closed runs go with the namespace's retention (24 h on the embedded server, at most
 * 90 days on Temporal Cloud); a running workflow does not, and continue-as-new carries the record
 * forward before its own history grows large. Nothing here holds a secret.
 */

export { tenantRecordIdFor } from './ids';

export type Operation = 'onboarding' | 'offboarding';

/** One resource a run of this tenant created and that still exists as far as the project knows. */
export interface RecordedResource extends CreatedResource {
  title: string;
  system: System;
  createdAt: string;
  /** Run id of the run that created it. */
  createdBy: string;
}

export interface RunSummary {
  operation: Operation;
  workflowId: string;
  runId: string;
  startedAt: string;
  closedAt: string;
  outcome: 'completed' | 'failed' | 'cancelled';
  steps: StepProgress[];
  approval?: Approval;
  error?: string;
  compensation?: CompensationReport;
}

/** What a run tells the record when it ends. `id` makes a retried delivery count once. */
export interface RunRecordedEvent {
  id: string;
  at: string;
  type: 'run';
  run: RunSummary;
  /** Resources the run created and left in place. */
  created: RecordedResource[];
  /** Keys of resources the run removed (an offboarding). */
  removed: string[];
}

/** A consumer access request (or a deleted application's client) decided: who, when, why. */
export interface AccessDecisionEvent {
  id: string;
  at: string;
  type: 'access';
  workflowId: string;
  kind: 'request' | 'retirement';
  request: AccessContract;
  state: string;
  groups: string[];
  decision?: { decision: 'approve' | 'reject'; by: string; identity?: ApproverIdentity; note?: string; at: string };
  reason?: string;
  proven?: string[];
  unproven?: string[];
}

/** What a rotation changed: which credential, and the non-secret ids of what it retired and put in place. */
export type RotatedCredential = 'okta-token' | 'introspection-secret';

export interface RotationSummary {
  credential: RotatedCredential;
  workflowId: string;
  runId: string;
  by: string;
  startedAt: string;
  closedAt: string;
  /** `refused`: a check failed before any write, nothing changed. */
  outcome: 'completed' | 'failed' | 'refused';
  steps: StepProgress[];
  /** Okta ids of the introspection client's secrets (never their values). */
  retiredSecretId?: string;
  newSecretId?: string;
  error?: string;
}

/** A rotation of a credential the client provider holds. Changes no resource. */
export interface RotationRecordedEvent {
  id: string;
  at: string;
  type: 'rotation';
  rotation: RotationSummary;
}

/** One difference between the platforms and the tenant file, as the drift check saw it. */
export interface DriftDifference {
  key: string;
  system: System;
  resource: string;
  /** What a convergence would do: create (it is gone), update (it differs), conflict (not the tenant's). */
  action: 'create' | 'update' | 'conflict';
  id?: string;
  changes?: string[];
  fix?: string;
}

/** What one drift check found. `clean` when Okta and Anypoint match the file and the token works. */
export interface DriftReport {
  tenantId: string;
  checkedAt: string;
  workflowId: string;
  runId: string;
  clean: boolean;
  differences: DriftDifference[];
  /** Resources the tenant record says a run created and that no longer exist. */
  missing: { key: string; title: string; id?: string }[];
  /** The Okta API token the client provider registers clients with (the check also keeps it alive). */
  oktaToken: { valid: boolean; error?: string };
  /** Why the check could not finish (the tenant file no longer validates, a platform is down…). */
  error?: string;
  /** Doctor's verdict, when `lifecycle.doctorWithDrift` asks for it: its failed checks with cause and fix. */
  doctor?: { healthy: boolean; failed: { check: string; result: string; cause?: string; fix?: string }[] };
}

export interface DriftRecordedEvent {
  id: string;
  at: string;
  type: 'drift';
  report: DriftReport;
}

export type TenantEvent = RunRecordedEvent | RotationRecordedEvent | AccessDecisionEvent | DriftRecordedEvent;

export interface TenantRecordState {
  tenantId: string;
  since: string;
  /** `offboarded` once an offboarding removed everything the tenant's runs created. */
  status: 'active' | 'offboarded';
  resources: RecordedResource[];
  events: TenantEvent[];
  /** The latest drift check's report (`drift <tenant>` shows it). */
  lastDrift?: DriftReport;
}

export const recordTenantEventSignal = defineSignal<[TenantEvent]>('recordTenantEvent');
export const tenantRecordQuery = defineQuery<TenantRecordState>('tenantRecord');

/** The registered client's title names only the application; no tenant file is needed for it. */
const EMPTY_CFG = {} as TenantConfig;

/** Histories past this many events continue as new (well under Temporal's 50k limit, and fast to replay). */
const HISTORY_LIMIT = 5_000;

export function emptyTenantRecord(tenantId: string, since: string): TenantRecordState {
  return { tenantId, since, status: 'active', resources: [], events: [] };
}

/** Folds one event into the record; an event already applied changes nothing. */
export function applyTenantEvent(state: TenantRecordState, event: TenantEvent): void {
  if (state.events.some((e) => e.id === event.id)) return;
  if (event.type === 'drift') {
    // Hourly checks would grow the record without end: only a change of findings becomes an event.
    if (driftFindings(state.lastDrift) !== driftFindings(event.report)) state.events.push(event);
    state.lastDrift = event.report;
    return;
  }
  state.events.push(event);
  if (event.type === 'access') return applyAccessDecision(state, event);
  if (event.type !== 'run') return;
  const removed = new Set([...event.removed, ...event.created.map((r) => r.target.key)]);
  state.resources = [...state.resources.filter((r) => !removed.has(r.target.key)), ...event.created];
  if (event.run.operation === 'offboarding' && event.run.outcome === 'completed') state.status = 'offboarded';
  else if (event.run.operation === 'onboarding' && event.run.outcome === 'completed') state.status = 'active';
}

/** An approved consumer's client is the tenant's to remove at offboarding; a retired one is gone. */
function applyAccessDecision(state: TenantRecordState, event: AccessDecisionEvent): void {
  const { applicationName, clientId } = event.request;
  const key = CATALOGUE.registeredClient.key(applicationName);
  if (event.kind === 'request' && event.state === 'approved' && clientId) {
    state.resources = [
      ...state.resources.filter((r) => r.target.key !== key),
      { kind: 'registeredClient', title: `${CATALOGUE.registeredClient.title(EMPTY_CFG, applicationName)} (consumer request)`, system: 'okta', createdAt: event.at, createdBy: event.workflowId, target: { key, id: clientId, name: applicationName } },
    ];
  } else if (event.state === 'rejected' || event.state === 'retired') {
    state.resources = state.resources.filter((r) => !(r.kind === 'registeredClient' && r.target.id === clientId));
  }
}

/** A report's findings, without when or by which run: equal findings are the same drift. */
function driftFindings(report: DriftReport | undefined): string {
  if (!report) return 'none';
  const { clean, differences, missing, oktaToken, error, doctor } = report;
  return JSON.stringify({ clean, differences, missing, oktaToken, error, doctor: doctor?.failed.map((c) => [c.check, c.cause]) });
}

/** The record's run events, without its drift reports. */
export function runEvents(state: TenantRecordState): RunRecordedEvent[] {
  return state.events.filter((e): e is RunRecordedEvent => e.type === 'run');
}

/** Records that ran before the memo existed replay without it. */
export const OWNED_KEYS_MEMO_PATCH = 'owned-keys-memo';

/**
 * The step keys of what the tenant's runs created, in the record's memo: an onboarding's plan reads
 * them with a describe, which needs no worker, where a query waits for one.
 */
export interface TenantRecordMemo {
  ownedKeys: string[];
}

function publishOwnedKeys(state: TenantRecordState): void {
  if (patched(OWNED_KEYS_MEMO_PATCH)) upsertMemo({ ownedKeys: state.resources.map((r) => r.target.key) } satisfies TenantRecordMemo);
}

export async function tenantRecord(state: TenantRecordState): Promise<never> {
  setHandler(tenantRecordQuery, () => state);
  publishOwnedKeys(state);
  setHandler(recordTenantEventSignal, (event) => {
    applyTenantEvent(state, event);
    publishOwnedKeys(state);
  });
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  return continueAsNew<typeof tenantRecord>(state);
}
