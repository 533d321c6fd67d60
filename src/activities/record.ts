import { activityInfo, ApplicationFailure, getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TENANT_ID } from '../temporal/search-attributes';
import type { TenantConfig } from '../config/tenant';
import { reconfigureAccessWatchSignal, stopAccessWatchSignal, watchAccessRequests } from '../workflows/access';
import { accessWatchIdFor, onboardingWorkflowIdFor } from '../workflows/ids';
import {
  emptyTenantRecord,
  recordTenantEventSignal,
  tenantRecord,
  tenantRecordIdFor,
  tenantRecordQuery,
  type TenantEvent,
  type TenantRecordState,
} from '../workflows/tenant-record';

/*
 * The tenant record lives in Temporal itself (a long-running workflow per tenant), so these
 * activities use the worker's own Temporal client: the only external effect is on the record.
 */

/** Delivers one event to the tenant's record, starting the record on first use. Idempotent by event id. */
export async function recordTenantEvent(tenantId: string, event: TenantEvent): Promise<void> {
  await getClient().workflow.signalWithStart(tenantRecord, {
    workflowId: tenantRecordIdFor(tenantId),
    taskQueue: activityInfo().taskQueue,
    args: [emptyTenantRecord(tenantId, event.at)],
    signal: recordTenantEventSignal,
    signalArgs: [event],
    typedSearchAttributes: [{ key: TENANT_ID, value: tenantId }],
  });
}

/** The tenant's record, or undefined when no run of the tenant ever reached its end. */
export async function readTenantRecord(tenantId: string): Promise<TenantRecordState | undefined> {
  try {
    return await getClient().workflow.getHandle(tenantRecordIdFor(tenantId)).query(tenantRecordQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Refuses an offboarding that would race a run still building the tenant, or that has no record
 * to work from, before anything is removed.
 */
export async function checkOffboardable(tenantId: string): Promise<TenantRecordState> {
  const onboarding = await getClient().workflow.getHandle(onboardingWorkflowIdFor(tenantId)).describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (onboarding?.status.name === 'RUNNING') {
    throw refused(`An onboarding of ${tenantId} is still running (${onboarding.workflowId}). Fix: let it finish, or cancel it (npm run cli -- cancel ${tenantId} --reason …), then offboard.`);
  }
  const waiting: string[] = [];
  for await (const run of getClient().workflow.list({ query: `WorkflowType = 'handleAccessRequest' AND TenantId = '${tenantId}' AND ExecutionStatus = 'Running'` })) waiting.push(run.workflowId);
  if (waiting.length > 0) {
    throw refused(`Tenant ${tenantId} has ${waiting.length} consumer access request(s) still open (${waiting.slice(0, 5).join(', ')}). Fix: approve or reject them (npm run cli -- requests ${tenantId}), then offboard.`);
  }
  const record = await readTenantRecord(tenantId);
  if (!record) throw refused(`Tenant ${tenantId} has no record: it was never onboarded by this project (or its onboarding predates the tenant record). Nothing is removed. Fix: check the tenant id.`);
  return record;
}

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'config', nonRetryable: true, message });
}

/**
 * Starts the tenant's watcher of consumer contracts, or hands the running one the tenant file it
 * should use from now on (a completed onboarding may have changed the tiers).
 */
export async function startAccessWatch(cfg: TenantConfig): Promise<void> {
  await getClient().workflow.signalWithStart(watchAccessRequests, {
    workflowId: accessWatchIdFor(cfg.tenant.id),
    taskQueue: activityInfo().taskQueue,
    args: [{ tenant: cfg }],
    signal: reconfigureAccessWatchSignal,
    signalArgs: [cfg],
    typedSearchAttributes: [{ key: TENANT_ID, value: cfg.tenant.id }],
  });
}

/** Stops the watcher; a tenant without one has nothing to stop. */
export async function stopAccessWatch(tenantId: string): Promise<void> {
  try {
    await getClient().workflow.getHandle(accessWatchIdFor(tenantId)).signal(stopAccessWatchSignal);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}
