import { log, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Plan } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { ACTIVITY_OPTIONS } from './options';
import { describeError } from './saga';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);

/**
 * The dry run: the same preflight and plan the onboarding starts with, and no write at all.
 * It runs on the worker so that credentials stay where the activities resolve them.
 */
export async function planTenant({ tenant }: { tenant: TenantConfig }): Promise<Plan> {
  if (tenant.okta) await act.checkOktaAccess(tenant);
  else await act.checkProviderAccess(tenant);
  const anypoint = await act.checkAnypointAccess(tenant);
  return act.planOnboarding(tenant, anypoint, await ownedKeys(tenant.tenant.id));
}

/**
 * Step keys of what the tenant's runs created, from its record. A record that cannot be read counts
 * as owning nothing: a pre-existing resource that differs then plans as a conflict, never as an update.
 */
export async function ownedKeys(tenantId: string): Promise<string[]> {
  try {
    return await act.readOwnedResourceKeys(tenantId);
  } catch (err) {
    log.warn('the tenant record could not be read: only resources the tenant file adopts may be updated', { tenant: tenantId, error: describeError(err) });
    return [];
  }
}

