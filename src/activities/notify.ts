import { log } from '@temporalio/activity';
import { request } from 'undici';
import type { TenantConfig } from '../config/tenant';
import { resolveSecretRef, type SecretRef } from '../config/secrets';

export interface ReminderInfo {
  workflowId: string;
  missing: string[];
  reminder: number;
  deadline: string;
}

/**
 * Reminds whoever must assign the Okta groups: always in the worker's structured log, and, when the
 * tenant names `assignment.reminderWebhook`, as a POST to that incoming webhook. The body carries
 * `text` (what Slack and Teams display) and the same facts as fields. The URL is a credential: it is
 * resolved here and never logged; a failed delivery is retried like any step.
 */
export async function remindApprover(cfg: TenantConfig, info: ReminderInfo): Promise<void> {
  const approveWith = `npm run cli -- approve ${cfg.tenant.id} --by <name>`;
  // At an RFC 7591 provider there are no groups: a person confirms the access of the registered clients.
  const what = cfg.okta ? 'the Okta group assignment' : 'a person to confirm the clients registered at the identity provider';
  log.warn(`${cfg.okta ? 'Okta group assignment' : 'Client access'} still awaiting confirmation`, {
    tenant: cfg.tenant.id,
    workflowId: info.workflowId,
    reminder: info.reminder,
    deadline: info.deadline,
    missing: info.missing,
    approveWith,
  });
  const webhook = cfg.assignment.mode === 'manual' ? cfg.assignment.reminderWebhook : undefined;
  if (!webhook) return;
  const text = [
    `Onboarding of ${cfg.tenant.displayName ?? cfg.tenant.id} is waiting for ${what} (reminder ${info.reminder}, rolled back at ${info.deadline}).`,
    ...info.missing.map((m) => (cfg.okta ? `• assign ${m}` : `• confirm ${m}`)),
    `Then: ${approveWith}`,
  ].join('\n');
  await postToWebhook(webhook, 'assignment.reminderWebhook', { text, tenant: cfg.tenant.id, workflowId: info.workflowId, reminder: info.reminder, deadline: info.deadline, missing: info.missing, approveWith });
}

/**
 * POSTs one JSON message to an incoming webhook named by reference. `field` names the tenant file's
 * field in errors; the URL itself is a credential and appears nowhere.
 */
export async function postToWebhook(webhook: SecretRef, field: string, body: Record<string, unknown>): Promise<void> {
  let status: number;
  try {
    const res = await request(resolveSecretRef(webhook), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await res.body.dump();
    status = res.statusCode;
  } catch (err) {
    throw new Error(`The webhook (${field}) could not be reached: ${(err as Error).message}`);
  }
  if (status >= 300) throw new Error(`The webhook (${field}) answered HTTP ${status}`);
}
