import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TenantConfig } from '../config/tenant';
import {
  accessRequestQuery,
  decideAccessRequestUpdate,
  sweepOrphanClients,
  type AccessDecision,
  type AccessRequestProgress,
  type OrphanSweepResult,
} from '../workflows/access';
import { accessRequestIdFor, accessRetireIdFor } from '../workflows/ids';
import type { ApproverIdentity } from '../workflows/messages';
import { CliError } from './operations';

/*
 * Consumer access requests as the CLI sees them: one workflow per contract (and per retired
 * client), found by the TenantId search attribute while Temporal keeps them; decided ones also
 * stay in the tenant record.
 */

export interface AccessRequestSummary {
  workflowId: string;
  status: string;
  progress?: AccessRequestProgress;
}

/** Every request and retirement of a tenant Temporal still has, open ones first. */
export async function listAccessRequests(client: Client, tenantId: string): Promise<AccessRequestSummary[]> {
  const found: AccessRequestSummary[] = [];
  const query = `(WorkflowType = 'handleAccessRequest' OR WorkflowType = 'retireAccessClient') AND TenantId = '${tenantId}'`;
  for await (const execution of client.workflow.list({ query })) {
    found.push({ workflowId: execution.workflowId, status: execution.status.name, progress: await requestProgress(client, execution.workflowId).catch(() => undefined) });
  }
  const rank = (s: AccessRequestSummary) => (s.progress?.state === 'waiting' ? 0 : s.status === 'RUNNING' ? 1 : 2);
  return found.sort((a, b) => rank(a) - rank(b) || a.workflowId.localeCompare(b.workflowId));
}

async function requestProgress(client: Client, workflowId: string): Promise<AccessRequestProgress> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') return handle.query(accessRequestQuery);
  try {
    return (await handle.result()) as AccessRequestProgress;
  } catch (err) {
    const details = (err as { cause?: { details?: unknown[] } }).cause?.details?.[0] as AccessRequestProgress | undefined;
    if (details?.state) return details;
    throw err;
  }
}

/** Approves or rejects the request (or retirement) of one contract that waits for a person. */
export async function decideAccessRequest(client: Client, tenantId: string, contractId: string, decision: 'approve' | 'reject', by: string, opts: { note?: string; assignForMe?: boolean; retirement?: boolean; identity?: ApproverIdentity } = {}): Promise<AccessDecision> {
  const workflowId = await findRequestWorkflow(client, tenantId, contractId, opts.retirement ? 'retirement' : 'request');
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(decideAccessRequestUpdate, { args: [{ decision, by, note: opts.note, assignForMe: opts.assignForMe, ...(opts.identity ? { identity: opts.identity } : {}) }] });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // The server answers an update to a closed workflow as "not found"; say what really happened.
      const ended = await requestProgress(client, workflowId).catch(() => undefined);
      if (ended) throw new CliError(`This ${ended.kind} is not waiting for a decision: it ended (${ended.state}${ended.decision ? `, ${ended.decision.decision} by ${ended.decision.by}` : ''}).`, 3, 'NOT_WAITING');
      throw new CliError(`No access ${opts.retirement ? 'retirement' : 'request'} for contract ${contractId} of tenant ${tenantId}. See: npm run cli -- requests ${tenantId}`, 4, 'NOT_FOUND');
    }
    const message = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new CliError(message.replace(/^.*?Update validation failed: /, ''), 3, 'UPDATE_REFUSED');
  }
}

/**
 * The workflow of a contract's request (or retirement): its id also names the contract's client, which
 * the person deciding does not type, so it is found among the tenant's requests (an open one first).
 */
async function findRequestWorkflow(client: Client, tenantId: string, contractId: string, kind: 'request' | 'retirement'): Promise<string> {
  const type = kind === 'request' ? 'handleAccessRequest' : 'retireAccessClient';
  const prefix = (kind === 'request' ? accessRequestIdFor : accessRetireIdFor)(tenantId, { contractId, clientId: '' });
  let closed: string | undefined;
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${type}' AND TenantId = '${tenantId}'` })) {
    if (!execution.workflowId.startsWith(prefix)) continue;
    if (execution.status.name === 'RUNNING') return execution.workflowId;
    closed ??= execution.workflowId;
  }
  if (closed) return closed;
  throw new CliError(`No access ${kind} for contract ${contractId} of tenant ${tenantId}. See: npm run cli -- requests ${tenantId}`, 4, 'NOT_FOUND');
}

/** Runs the orphan sweep on the worker (it holds the credentials): a report, and deletions only with `remove`. */
export async function orphans(client: Client, taskQueue: string, tenant: TenantConfig, remove: boolean): Promise<OrphanSweepResult> {
  return client.workflow.execute(sweepOrphanClients, {
    taskQueue,
    workflowId: `orphans-${tenant.tenant.id}`,
    args: [{ tenant, remove }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
