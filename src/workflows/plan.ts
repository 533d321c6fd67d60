import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Plan } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { ACTIVITY_OPTIONS } from './options';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);

/**
 * The dry run: the same preflight and plan the onboarding starts with, and no write at all.
 * It runs on the worker so that credentials stay where the activities resolve them.
 */
export async function planTenant({ tenant }: { tenant: TenantConfig }): Promise<Plan> {
  if (tenant.okta) await act.checkOktaAccess(tenant);
  else await act.checkProviderAccess(tenant);
  const anypoint = await act.checkAnypointAccess(tenant);
  return act.planOnboarding(tenant, anypoint);
}
