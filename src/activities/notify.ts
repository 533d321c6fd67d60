import { log } from '@temporalio/activity';
import type { TenantConfig } from '../config/tenant';

export interface ReminderInfo {
  workflowId: string;
  missing: string[];
  reminder: number;
  deadline: string;
}

/**
 * Reminds whoever must assign the Okta groups. The reminder goes to the worker's structured log
 * (collected like any other alert); a webhook or e-mail sender plugs in here.
 */
export async function remindApprover(cfg: TenantConfig, info: ReminderInfo): Promise<void> {
  log.warn('Okta group assignment still awaiting confirmation', {
    tenant: cfg.tenant.id,
    workflowId: info.workflowId,
    reminder: info.reminder,
    deadline: info.deadline,
    missing: info.missing,
    approveWith: `npm run cli -- approve ${cfg.tenant.id} --by <name>`,
  });
}
