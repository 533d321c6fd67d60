import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { TenantConfig } from '../config/tenant';
import { TENANT_ID } from '../temporal/search-attributes';
import { diagnoseTenant, type DoctorReport } from '../workflows/doctor';
import { doctorWorkflowIdFor } from '../workflows/ids';
import { describeError } from '../workflows/saga';
import { CliError } from './operations';

/*
 * `doctor <tenant.yaml>`: runs the read-only diagnosis on a worker (credentials stay there) and
 * prints one row per check; a failed check carries its cause and fix.
 */

/** Runs the diagnosis (or waits for the one running) and returns its report. */
export async function runDoctor(client: Client, taskQueue: string, tenant: TenantConfig, logSince?: string): Promise<DoctorReport> {
  try {
    return await client.workflow.execute(diagnoseTenant, {
      taskQueue,
      workflowId: doctorWorkflowIdFor(tenant.tenant.id),
      args: [{ tenant, ...(logSince ? { logSince } : {}) }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: TENANT_ID, value: tenant.tenant.id }],
    });
  } catch (err) {
    // A check that could not run at all (a refused read, say): its own words, not "Workflow execution failed".
    if (err instanceof WorkflowFailedError) throw new CliError(`doctor could not finish: ${describeError(err)}`, 3, 'DOCTOR_FAILED');
    throw err;
  }
}

/** The table: check and result on one line; under a failure, its cause and fix. */
export function renderDoctor(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.check.length), 5);
  const lines = [`Doctor of ${r.tenantId} at ${r.checkedAt}: ${r.healthy ? 'healthy' : `${r.checks.filter((c) => !c.passed).length} check(s) failed`}`, ''];
  lines.push(`  ${'CHECK'.padEnd(width)}  RESULT`);
  for (const c of r.checks) {
    lines.push(`${c.passed ? '✓' : '✗'} ${c.check.padEnd(width)}  ${c.result}`);
    if (c.cause) lines.push(`  ${''.padEnd(width)}  cause: ${c.cause}`);
    if (c.fix) lines.push(`  ${''.padEnd(width)}  fix:   ${c.fix}`);
  }
  return lines.join('\n');
}
