import { executeChild, patched, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { TenantConfig } from '../config/tenant';
import { TENANT_ID } from '../temporal/search-attributes';
import { CATALOGUE } from './catalogue';
import { diagnoseTenant } from './doctor';
import { msOf } from './durations';
import { ACTIVITY_OPTIONS, RECORD_OPTIONS } from './options';
import { describeError } from './saga';
import type { DriftDifference, DriftReport, TenantRecordState } from './tenant-record';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const recordAct = proxyActivities<typeof activities>(RECORD_OPTIONS);

export interface DriftInput {
  tenant: TenantConfig;
}

const now = () => new Date(Date.now()).toISOString();

/** Checks that ran before doctor could run with them (lifecycle.doctorWithDrift). */
const DRIFT_DOCTOR_PATCH = 'drift-runs-doctor';

/** Before it, an RFC 7591 tenant's check asked for an Okta token it does not have (and failed). */
const RFC7591_DRIFT_PATCH = 'drift-rfc7591';

/**
 * The drift check, read-only: the onboarding's preflight and plan against Okta and Anypoint, with
 * the tenant record's view of what the tenant's runs created. The report goes to the tenant record
 * and, when there is drift (or it just cleared), to the notification webhook. The tenant's
 * Schedule runs it (src/temporal/drift-schedule.ts); `drift <tenant.yaml> --now` runs it at once.
 */
export async function checkDrift({ tenant: cfg }: DriftInput): Promise<DriftReport> {
  const tenantId = cfg.tenant.id;
  const info = workflowInfo();
  upsertSearchAttributes([{ key: TENANT_ID, value: tenantId }]);
  const report: DriftReport = { tenantId, checkedAt: now(), workflowId: info.workflowId, runId: info.runId, clean: false, differences: [], missing: [], oktaToken: { valid: false } };
  let record: TenantRecordState | undefined;
  try {
    record = await act.readTenantRecord(tenantId);
    await act.checkTenantConfig(cfg);
    if (cfg.okta || !patched(RFC7591_DRIFT_PATCH)) report.oktaToken = await act.checkOktaApiToken(cfg);
    else {
      // No Okta token: the provider's registration header and introspection client, as the preflight checks them.
      await act.checkProviderAccess(cfg);
      report.oktaToken = { valid: true };
    }
    if (report.oktaToken.valid) {
      const anypoint = await act.checkAnypointAccess(cfg);
      const owned = record?.resources.map((r) => r.target.key) ?? [];
      const plan = await act.planOnboarding(cfg, anypoint, owned);
      const planned = new Map(plan.entries.map((e) => [e.key, e]));
      report.differences = plan.entries.filter((e) => e.action !== 'unchanged').map(({ key, system, resource, action, id, changes, fix }): DriftDifference => ({ key, system, resource, action: action as DriftDifference['action'], id, changes, fix }));
      report.missing = (record?.resources ?? [])
        .filter((r) => planned.get(r.target.key)?.action === 'create' || (r.kind === 'registeredClient' && registeredClientGone(planned, r.target)))
        .map((r) => ({ key: r.target.key, title: r.title, id: r.target.id }));
      if (cfg.lifecycle?.doctorWithDrift && patched(DRIFT_DOCTOR_PATCH)) {
        // The System Log since the previous check: a refusal is reported once, not for a day of checks.
        const logSince = new Date(Date.now() - msOf(cfg.lifecycle.driftCheckEvery ?? '1h')).toISOString();
        const diagnosis = await executeChild(diagnoseTenant, { workflowId: `${info.workflowId}-doctor`, args: [{ tenant: cfg, logSince }] });
        report.doctor = { healthy: diagnosis.healthy, failed: diagnosis.checks.filter((c) => !c.passed) };
      }
    }
  } catch (err) {
    report.error = describeError(err);
  }
  report.clean = !report.error && report.oktaToken.valid && report.differences.length === 0 && report.missing.length === 0 && (report.doctor?.healthy ?? true);
  await recordAct.recordTenantEvent(tenantId, { id: `${info.runId}:drift`, at: report.checkedAt, type: 'drift', report });
  if (!report.clean || (record?.lastDrift && !record.lastDrift.clean)) await act.notifyDrift(cfg, report);
  return report;
}

/** The plan has no row for the Okta client Anypoint registered: it is gone when its application is, or has another client now. */
function registeredClientGone(planned: Map<string, { action: string; facts?: Record<string, string> }>, target: { name?: string; id?: string }): boolean {
  const app = planned.get(CATALOGUE.application.key(target.name ?? ''));
  return app !== undefined && (app.action === 'create' || (app.facts?.clientId !== undefined && app.facts.clientId !== target.id));
}
