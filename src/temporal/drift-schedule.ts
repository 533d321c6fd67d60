import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { durationMs } from '../config/duration';
import { TenantConfigError, formatTenantConfigError, parseTenantConfig, type TenantConfig } from '../config/tenant';
import { driftCheckWorkflowIdFor, driftScheduleIdFor } from '../workflows/ids';
import type { checkDrift } from '../workflows/drift';
import { isUndecodable } from './codec';
import { TENANT_ID } from './search-attributes';

/*
 * The tenant's drift check as a Temporal Schedule (one per tenant, id derived from the tenant id).
 * The schedule carries the tenant config as its workflow input (encrypted like any payload), so a
 * changed tenant file reaches it only when it is written again: at the end of each onboarding, or
 * with `drift <tenant.yaml> --schedule`. The worker's activities and the CLI share these functions.
 */

export const DEFAULT_DRIFT_CHECK_EVERY = '1h';

/** Thrown before any write when the config the schedule would carry does not validate. */
export class DriftScheduleRefused extends Error {
  readonly code = 'SCHEDULE_REFUSED';
}

/** Validates the config again with the current schema: a schedule must never carry a config the worker would refuse. */
function validated(tenant: TenantConfig): TenantConfig {
  try {
    parseTenantConfig(tenant, `tenant ${tenant.tenant?.id ?? '(no id)'}`);
    return tenant;
  } catch (err) {
    if (err instanceof TenantConfigError) {
      throw new DriftScheduleRefused(`No drift schedule is written for a tenant file that does not validate; the schedule is left as it was.\n${formatTenantConfigError(err)}`);
    }
    throw err;
  }
}

function scheduleOf(tenant: TenantConfig, taskQueue: string): { spec: ScheduleSpec; action: ScheduleOptionsAction } {
  const every = tenant.lifecycle?.driftCheckEvery ?? DEFAULT_DRIFT_CHECK_EVERY;
  return {
    spec: { intervals: [{ every: durationMs(every)! }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'checkDrift' satisfies (typeof checkDrift)['name'],
      workflowId: driftCheckWorkflowIdFor(tenant.tenant.id),
      taskQueue,
      args: [{ tenant }],
      typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
    },
  };
}

/** Creates the tenant's drift schedule, or updates it (interval and tenant config) when it exists. */
export async function upsertDriftSchedule(client: Client, taskQueue: string, input: TenantConfig): Promise<{ scheduleId: string; created: boolean }> {
  const tenant = validated(input);
  const scheduleId = driftScheduleIdFor(tenant.tenant.id);
  const { spec, action } = scheduleOf(tenant, taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A check still running when the next is due (a slow platform) makes the next one skip.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP } }));
  } catch (err) {
    // An update reads the schedule first, and its input may be encrypted with a key this process no
    // longer has: the schedule is then written anew (its pause state and recent runs are lost).
    if (!isUndecodable(err)) throw err;
    await handle.delete();
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP }, typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }] });
  }
  return { scheduleId, created: false };
}

/** Removes the tenant's drift schedule; a schedule already gone counts as removed. */
export async function deleteDriftSchedule(client: Client, tenantId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(driftScheduleIdFor(tenantId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}
