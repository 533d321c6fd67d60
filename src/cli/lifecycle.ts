import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TenantConfig } from '../config/tenant';
import { TENANT_ID } from '../temporal/search-attributes';
import { DriftScheduleRefused, upsertDriftSchedule } from '../temporal/drift-schedule';
import { checkDrift } from '../workflows/drift';
import { driftCheckWorkflowIdFor, offboardingWorkflowIdFor, rotationWorkflowIdFor } from '../workflows/ids';
import { rotateCredential, type RotationProgress } from '../workflows/rotation';
import {
  abandonOffboardingSignal,
  confirmOffboardingUpdate,
  offboardTenant,
  offboardingProgressQuery,
  removalOrder,
  type OffboardingProgress,
} from '../workflows/offboarding';
import type { DriftReport, RecordedResource, RotatedCredential, TenantRecordState } from '../workflows/tenant-record';
import type { ApproverIdentity } from '../workflows/messages';
import { CliError } from './operations';
import { readRecord } from './record';

/*
 * The tenant's life after onboarding, as the CLI drives it: the durable record (audit), and the
 * offboarding (a removal list first, then an explicit confirmation).
 */

export { readRecord } from './record';

export async function requireRecord(client: Client, tenantId: string): Promise<TenantRecordState> {
  const record = await readRecord(client, tenantId);
  if (!record) throw new CliError(`Tenant ${tenantId} has no record: no run of it has finished yet (or it ran before the tenant record existed).`, 4, 'NO_RECORD');
  return record;
}

/** What an offboarding would remove, in order, read from the record alone: no workflow, no credentials. */
export async function offboardingDryRun(client: Client, tenantId: string): Promise<RecordedResource[]> {
  return removalOrder((await requireRecord(client, tenantId)).resources);
}

const WAITING_OR_DONE = new Set(['awaiting-confirmation', 'completed', 'failed', 'cancelled', 'expired']);

/** Starts the offboarding (or finds the one open) and returns once it shows its removal list. */
export async function startOffboarding(client: Client, taskQueue: string, tenant: TenantConfig, confirmWithin?: string): Promise<OffboardingProgress> {
  const handle = await client.workflow.start(offboardTenant, {
    taskQueue,
    workflowId: offboardingWorkflowIdFor(tenant.tenant.id),
    args: [{ tenant, confirmWithin }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
  });
  for (;;) {
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return offboardingOutcome(client, tenant.tenant.id);
    const p = await handle.query(offboardingProgressQuery);
    if (WAITING_OR_DONE.has(p.phase)) return p;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Confirms the removal list and waits for the removal to finish. */
export async function confirmOffboarding(client: Client, tenantId: string, approver: string, note?: string, identity?: ApproverIdentity): Promise<OffboardingProgress> {
  const handle = client.workflow.getHandle<typeof offboardTenant>(offboardingWorkflowIdFor(tenantId));
  try {
    await handle.executeUpdate(confirmOffboardingUpdate, { args: [{ approver, note, ...(identity ? { identity } : {}) }] });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`No offboarding of ${tenantId} is waiting: start it with offboard <tenant.yaml> first.`, 4, 'NOT_FOUND');
    throw new CliError((err as { cause?: Error }).cause?.message ?? (err as Error).message, 3, 'UPDATE_REFUSED');
  }
  return offboardingOutcome(client, tenantId);
}

export async function abandonOffboarding(client: Client, tenantId: string, reason: string, by?: string): Promise<OffboardingProgress> {
  const handle = client.workflow.getHandle(offboardingWorkflowIdFor(tenantId));
  await handle.signal(abandonOffboardingSignal, { reason, by });
  return offboardingOutcome(client, tenantId);
}

async function offboardingOutcome(client: Client, tenantId: string): Promise<OffboardingProgress> {
  const handle = client.workflow.getHandle<typeof offboardTenant>(offboardingWorkflowIdFor(tenantId));
  try {
    return await handle.result();
  } catch (err) {
    const details = (err as { cause?: { details?: unknown[] } }).cause?.details?.[0] as OffboardingProgress | undefined;
    if (details?.phase) return details;
    throw new CliError((err as { cause?: Error }).cause?.message ?? (err as Error).message, 3, 'OFFBOARDING_FAILED');
  }
}

/**
 * Rotates one credential of the tenant's client provider and waits for the outcome. A rotation of
 * the tenant already running (say, the CLI was stopped) is joined rather than started twice.
 */
export async function rotate(client: Client, taskQueue: string, tenant: TenantConfig, credential: RotatedCredential, by: string): Promise<RotationProgress> {
  const handle = await client.workflow.start(rotateCredential, {
    taskQueue,
    workflowId: rotationWorkflowIdFor(tenant.tenant.id),
    args: [{ tenant, credential, by }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
  });
  try {
    return await handle.result();
  } catch (err) {
    const details = (err as { cause?: { details?: unknown[] } }).cause?.details?.[0] as RotationProgress | undefined;
    if (details?.phase) return details;
    throw new CliError((err as { cause?: Error }).cause?.message ?? (err as Error).message, 3, 'ROTATION_FAILED');
  }
}

/** The last drift report the tenant record keeps. */
export async function lastDriftReport(client: Client, tenantId: string): Promise<DriftReport> {
  const report = (await requireRecord(client, tenantId)).lastDrift;
  if (!report) throw new CliError(`No drift check of ${tenantId} has run yet: its schedule runs one every lifecycle.driftCheckEvery after the onboarding; run one now with drift <tenant.yaml> --now.`, 4, 'NO_DRIFT_REPORT');
  return report;
}

/** Runs a drift check at once (or waits for the one running, scheduled or not) and returns its report. */
export async function checkDriftNow(client: Client, taskQueue: string, tenant: TenantConfig): Promise<DriftReport> {
  return client.workflow.execute(checkDrift, {
    taskQueue,
    workflowId: driftCheckWorkflowIdFor(tenant.tenant.id),
    args: [{ tenant }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
  });
}

/** Writes the tenant file (validated again) to the tenant's drift schedule: how a changed file reaches it. */
export async function scheduleDrift(client: Client, taskQueue: string, tenant: TenantConfig): Promise<{ scheduleId: string; created: boolean }> {
  try {
    return await upsertDriftSchedule(client, taskQueue, tenant);
  } catch (err) {
    if (err instanceof DriftScheduleRefused) throw new CliError(err.message, 2, err.code);
    throw err;
  }
}
