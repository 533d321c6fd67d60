import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { tenantRecordIdFor, tenantRecordQuery, type TenantRecordState } from '../workflows/tenant-record';

/** The tenant record, or undefined when the tenant has none yet (the one read of it the CLI and the console make). */
export async function readRecord(client: Client, tenantId: string): Promise<TenantRecordState | undefined> {
  try {
    return await client.workflow.getHandle(tenantRecordIdFor(tenantId)).query(tenantRecordQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
