import { activityInfo, ApplicationFailure, getClient, log } from '@temporalio/activity';
import { ExternalApiError } from '../clients/errors';
import { TenantConfigError, formatTenantConfigError, parseTenantConfig, type TenantConfig } from '../config/tenant';
import { DriftScheduleRefused, deleteDriftSchedule, upsertDriftSchedule } from '../temporal/drift-schedule';
import type { DriftReport } from '../workflows/tenant-record';
import { oktaApiTokenClientFor } from './clients';
import { postToWebhook } from './notify';

/*
 * The drift check's effects: the token check (a read that also keeps the token alive), the
 * notification, and the tenant's Schedule (written with the worker's own Temporal client).
 */

/**
 * Whether the Okta API token the client provider registers clients with still works. Okta revokes
 * a token unused for 30 days; this call is a use, so an hourly check also keeps it alive.
 */
export async function checkOktaApiToken(cfg: TenantConfig): Promise<DriftReport['oktaToken']> {
  try {
    await oktaApiTokenClientFor(cfg).verifyApiToken();
    return { valid: true };
  } catch (err) {
    if (err instanceof ExternalApiError && (err.kind === 'auth' || err.kind === 'forbidden')) return { valid: false, error: err.message };
    throw err;
  }
}

/** The config the schedule carries must still validate with this worker's schema (the file may predate a change). */
export async function checkTenantConfig(cfg: TenantConfig): Promise<void> {
  try {
    parseTenantConfig(cfg, `the tenant config the drift schedule of ${cfg.tenant.id} carries`);
  } catch (err) {
    if (!(err instanceof TenantConfigError)) throw err;
    throw ApplicationFailure.create({
      type: 'config',
      nonRetryable: true,
      message: `${formatTenantConfigError(err)}\nFix: correct the tenant file, then write it to the schedule: npm run cli -- drift <tenant.yaml> --schedule`,
    });
  }
}

/**
 * POSTs the report to the tenant's notification webhook (lifecycle.notificationWebhook, else
 * assignment.reminderWebhook); without one, the worker's log has it.
 */
export async function notifyDrift(cfg: TenantConfig, report: DriftReport): Promise<void> {
  const summary = report.clean
    ? `Drift of ${cfg.tenant.displayName ?? cfg.tenant.id} resolved: Okta and Anypoint match the tenant file again.`
    : `Drift detected for ${cfg.tenant.displayName ?? cfg.tenant.id}: ${report.differences.length} difference(s), ${report.missing.length} missing resource(s)${report.oktaToken.valid ? '' : ', the Okta API token does not work'}${report.error ? `; the check failed: ${report.error}` : ''}.`;
  const text = [
    summary,
    ...report.missing.map((m) => `• missing: ${m.title}`),
    ...report.differences.map((d) => `• ${d.action}: ${d.resource}${d.changes?.length ? ` (${d.changes.join(', ')})` : ''}`),
    ...(report.clean ? [] : [`Converge with: npm run cli -- drift <tenant.yaml> --fix`]),
  ].join('\n');
  log.warn(summary, { tenant: cfg.tenant.id, differences: report.differences.length, missing: report.missing.length });
  const fromAssignment = cfg.assignment.mode === 'manual' ? cfg.assignment.reminderWebhook : undefined;
  const webhook = cfg.lifecycle?.notificationWebhook ?? fromAssignment;
  if (!webhook) return;
  await postToWebhook(webhook, cfg.lifecycle?.notificationWebhook ? 'lifecycle.notificationWebhook' : 'assignment.reminderWebhook', { text, type: 'drift', ...report });
}

/** Creates or updates the tenant's drift schedule on this worker's task queue. */
export async function ensureDriftSchedule(cfg: TenantConfig): Promise<{ scheduleId: string; created: boolean }> {
  try {
    return await upsertDriftSchedule(getClient(), activityInfo().taskQueue, cfg);
  } catch (err) {
    if (err instanceof DriftScheduleRefused) throw ApplicationFailure.create({ type: 'config', nonRetryable: true, message: err.message });
    throw err;
  }
}

/** Removes the tenant's drift schedule (an offboarded tenant has nothing to check). */
export async function removeDriftSchedule(tenantId: string): Promise<boolean> {
  return deleteDriftSchedule(getClient(), tenantId);
}
