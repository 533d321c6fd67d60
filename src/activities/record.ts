import { activityInfo, ApplicationFailure, getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isUndecodable } from '../temporal/codec';
import { countRunOutcome } from '../temporal/metrics';
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
  type TenantRecordMemo,
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
  // Every run's end is recorded here, whatever its outcome (an attempt whose reply was lost and is
  // retried would count twice: rare, and the record itself stays exact by event id).
  if (event.type === 'run') countRunOutcome(activityInfo(), event.run.operation, event.run.outcome);
}

/**
 * The tenant's record, or undefined when no run of the tenant ever reached its end. A record that
 * runs on another task queue than this worker's is refused at once (RecordUnavailable) rather than
 * queried: a query waits for a worker of that queue, which may never come.
 */
export async function readTenantRecord(tenantId: string): Promise<TenantRecordState | undefined> {
  const handle = getClient().workflow.getHandle(tenantRecordIdFor(tenantId));
  try {
    const { taskQueue } = await handle.describe();
    if (taskQueue !== activityInfo().taskQueue) {
      throw ApplicationFailure.create({
        type: 'RecordUnavailable',
        nonRetryable: true,
        message: `The tenant record of ${tenantId} runs on task queue "${taskQueue}", and this worker serves "${activityInfo().taskQueue}". Fix: run a worker on "${taskQueue}" (ONBOARDING_TASK_QUEUE).`,
      });
    }
    return await handle.query(tenantRecordQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Step keys of what the tenant's runs created, from the record's memo (a describe: no worker needed);
 * a record from before the memo is queried. Empty when the tenant has no record.
 */
export async function readOwnedResourceKeys(tenantId: string): Promise<string[]> {
  let memo: Partial<TenantRecordMemo> | undefined;
  try {
    memo = (await getClient().workflow.getHandle(tenantRecordIdFor(tenantId)).describe()).memo as Partial<TenantRecordMemo> | undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    if (isUndecodable(err)) throw ApplicationFailure.create({ type: 'RecordUnavailable', nonRetryable: true, message: `The tenant record of ${tenantId} is encrypted with a codec key this worker does not have. Fix: add that key to ONBOARDING_CODEC_PREVIOUS_KEYS.` });
    throw err;
  }
  if (Array.isArray(memo?.ownedKeys)) return memo.ownedKeys;
  return (await readTenantRecord(tenantId))?.resources.map((r) => r.target.key) ?? [];
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
  const client = getClient();
  const taskQueue = activityInfo().taskQueue;
  // A watcher left on another task queue (the deployment moved, or another stack used this tenant id)
  // would take the signal and never run here: it is replaced. Requests it started keep their own ids.
  const existing = client.workflow.getHandle(accessWatchIdFor(cfg.tenant.id));
  const description = await existing.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (description?.status.name === 'RUNNING' && description.taskQueue !== taskQueue) {
    await existing.terminate(`the tenant's watcher moves to task queue ${taskQueue}`).catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  }
  await client.workflow.signalWithStart(watchAccessRequests, {
    workflowId: accessWatchIdFor(cfg.tenant.id),
    taskQueue,
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
