import {
  Client,
  WorkflowExecutionDescription,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { closest, distance } from 'fastest-levenshtein';
import { randomUUID } from 'node:crypto';
import type { Plan } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { ONBOARDING_PHASE, TENANT_ID } from '../temporal/search-attributes';
import {
  Approval,
  ApproverIdentity,
  OnboardingProgress,
  cancelOnboardingSignal,
  confirmGroupAssignmentUpdate,
  progressQuery,
} from '../workflows/messages';
import { onboardingWorkflowIdFor } from '../workflows/ids';
import { onboardTenant, type OnboardingResult } from '../workflows/onboarding';
import { planTenant } from '../workflows/plan';
import { describeError } from '../workflows/saga';
import { readRecord } from './record';
import { runEvents, type RunSummary } from '../workflows/tenant-record';

/** One onboarding per tenant: the workflow id is derived from the tenant id. */
export const workflowIdFor = onboardingWorkflowIdFor;

export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code: 2 bad input, 3 refused or failed, 4 not found. */
    readonly exitCode: 2 | 3 | 4,
    readonly code: string,
    /** Structured detail for --json (a tenant file's issues, a tenant id that was not found). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * A tenant id close to one that was not found, among the tenants Temporal knows (onboarded or
 * with a record): "did you mean". Undefined when nothing is close enough to be a typo.
 */
export async function similarTenantId(client: Client, tenantId: string): Promise<string | undefined> {
  const known = new Set<string>();
  // One open tenant record per tenant that ever finished a run, and the open onboardings of the others:
  // a short list even on a server with a long history.
  const query = `WorkflowType IN ('onboardTenant', 'tenantRecord') AND ExecutionStatus = 'Running' AND ${TENANT_ID.name} IS NOT NULL`;
  try {
    // The raw list, not client.workflow.list: that one decodes every memo, and a run written under another
    // codec key (another process on the namespace) would fail the whole listing. Search attributes are plain.
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: 500, nextPageToken });
      for (const execution of page.executions ?? []) {
        const field = execution.searchAttributes?.indexedFields?.[TENANT_ID.name];
        const id = field ? defaultPayloadConverter.fromPayload<string | string[]>(field) : undefined;
        if (id) known.add(String(Array.isArray(id) ? id[0] : id));
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && known.size < 5000);
  } catch {
    return undefined;
  }
  known.delete(tenantId);
  if (known.size === 0) return undefined;
  const best = closest(tenantId, [...known]);
  return distance(tenantId, best) <= Math.max(2, Math.floor(tenantId.length / 3)) ? best : undefined;
}

export interface StartOutcome {
  workflowId: string;
  runId: string;
  /** True when a run was already open and this call returned it instead of starting another. */
  existing: boolean;
}

export async function startOnboarding(client: Client, taskQueue: string, tenant: TenantConfig): Promise<StartOutcome> {
  const workflowId = workflowIdFor(tenant.tenant.id);
  let existing = false;
  try {
    existing = (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const handle = await client.workflow.start(onboardTenant, {
    taskQueue,
    workflowId,
    args: [{ tenant }],
    // Starting while a run is open returns that run; after completion a new run re-converges.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: TENANT_ID, value: tenant.tenant.id },
      { key: ONBOARDING_PHASE, value: 'preflight' },
    ],
  });
  const runId = (await handle.describe()).runId;
  return { workflowId, runId, existing };
}

export async function planDryRun(client: Client, taskQueue: string, tenant: TenantConfig): Promise<Plan> {
  // A distinct workflow type, and an id of each dry run's own: two dry runs of one tenant (an edited
  // file, another terminal) each get the plan of their own file. Each run is deleted once read (below).
  const handle = await client.workflow.start(planTenant, {
    taskQueue,
    workflowId: `plan-${tenant.tenant.id}-${randomUUID().slice(0, 8)}`,
    args: [{ tenant }],
  });
  try {
    return await handle.result();
  } catch (err) {
    // The cause (a preflight refusal with its fix) is what the user needs, not "Workflow execution failed".
    if (err instanceof WorkflowFailedError) throw new CliError(describeError(err), 3, 'PLAN_FAILED');
    throw err;
  } finally {
    // A plan is read once and can be computed again at any time: its run is deleted so dry runs leave
    // no row in the Web UI's list (the onboarding keeps the plan it ran in its own history).
    await client.workflowService
      .deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId } })
      .catch(() => undefined);
  }
}

/** `identity` is the signed-in approver (the console); the CLI passes the name typed with --by alone. */
export async function approve(client: Client, tenantId: string, approver: string, note?: string, identity?: ApproverIdentity): Promise<Approval> {
  const handle = client.workflow.getHandle(workflowIdFor(tenantId));
  try {
    return await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver, note, ...(identity ? { identity } : {}) }] });
  } catch (err) {
    // The server answers an update to a closed run as "not found": say that the run ended instead.
    if (err instanceof WorkflowNotFoundError) {
      const ended = await handle.describe().catch(() => undefined);
      if (ended) throw new CliError(`The onboarding of ${tenantId} is not waiting for an approval: its last run ended (${ended.status.name.toLowerCase()}). See: npm run cli -- status ${tenantId}`, 3, 'NOT_WAITING');
    }
    throw asCliError(err, tenantId);
  }
}

export async function progress(client: Client, tenantId: string): Promise<OnboardingProgress> {
  const handle = client.workflow.getHandle(workflowIdFor(tenantId));
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return await handle.query(progressQuery);
    const closed = await closedRunProgress(client, description);
    if (!closed) throw new CliError(`The last run of ${tenantId} ended (${description.status.name.toLowerCase()}) without recorded progress.`, 4, 'NO_PROGRESS');
    return closed;
  } catch (err) {
    throw asCliError(err, tenantId);
  }
}

const CANCELLING_PHASES = new Set(['compensating', 'cancelled']);

/**
 * Cancels the running onboarding the way Temporal does (a cancellation request: the run rolls back
 * what it created and ends CANCELED), after a signal that keeps who and why in its progress and the
 * tenant record. A run already cancelled, or already rolling back, is said to be so.
 */
export async function cancel(client: Client, tenantId: string, reason: string, by?: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowIdFor(tenantId));
  try {
    const description = await handle.describe();
    if (description.status.name === 'CANCELLED') {
      throw new CliError(`The onboarding of ${tenantId} is already cancelled (its last run ended CANCELED${description.closeTime ? ` at ${description.closeTime.toISOString()}` : ''}). See: npm run cli -- status ${tenantId}`, 3, 'ALREADY_CANCELLED');
    }
    if (description.status.name !== 'RUNNING') {
      throw new CliError(`The onboarding of ${tenantId} is not running (${description.status.name.toLowerCase()}); nothing to cancel.`, 3, 'NOT_RUNNING');
    }
    const phase = description.typedSearchAttributes.get(ONBOARDING_PHASE);
    if (phase && CANCELLING_PHASES.has(phase)) {
      throw new CliError(`The onboarding of ${tenantId} is already being cancelled (it is rolling back). Follow it with: npm run cli -- status ${tenantId} --watch`, 3, 'ALREADY_CANCELLED');
    }
    await handle.signal(cancelOnboardingSignal, { reason, by });
    await handle.cancel();
  } catch (err) {
    throw asCliError(err, tenantId);
  }
}

/** Waits for a cancelled run to end and returns its progress (from the tenant record: a CANCELED run has no result). */
export async function cancelledProgress(client: Client, tenantId: string): Promise<OnboardingProgress | undefined> {
  const handle = client.workflow.getHandle(workflowIdFor(tenantId));
  await handle.result().catch(() => undefined);
  return closedRunProgress(client, await handle.describe());
}

export interface RunRecord {
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  closeTime?: string;
  progress?: OnboardingProgress;
}

/**
 * Every run of a tenant, newest first, with its steps, approver, resources and errors: the runs the
 * tenant record keeps (they outlive the namespace's retention) and any run Temporal still lists
 * that the record does not have yet (one still running, or one from before the record existed).
 */
export async function history(client: Client, tenantId: string): Promise<RunRecord[]> {
  const runs = new Map<string, RunRecord>();
  for (const run of await recordedRuns(client, tenantId)) runs.set(run.runId, run);
  const query = `WorkflowType = 'onboardTenant' AND WorkflowId = '${workflowIdFor(tenantId)}'`;
  for await (const execution of client.workflow.list({ query })) {
    if (runs.has(execution.runId)) continue;
    let p: OnboardingProgress | undefined;
    try {
      const description = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
      p = description.status.name === 'RUNNING'
        ? await client.workflow.getHandle(execution.workflowId, execution.runId).query(progressQuery)
        : await closedRunProgress(client, description);
    } catch {
      p = undefined;
    }
    runs.set(execution.runId, {
      workflowId: execution.workflowId,
      runId: execution.runId,
      status: execution.status.name,
      startTime: execution.startTime.toISOString(),
      closeTime: execution.closeTime?.toISOString(),
      progress: p,
    });
  }
  if (runs.size === 0) throw notFound(tenantId);
  return [...runs.values()].sort((a, b) => b.startTime.localeCompare(a.startTime));
}

async function recordedRuns(client: Client, tenantId: string): Promise<RunRecord[]> {
  const record = await readRecord(client, tenantId);
  return record ? runEvents(record).map((e) => asRunRecord(tenantId, e.run)) : [];
}

function asRunRecord(tenantId: string, run: RunSummary): RunRecord {
  const status = { completed: 'COMPLETED', failed: 'FAILED', cancelled: 'CANCELLED' }[run.outcome];
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    status: run.operation === 'onboarding' ? status : `${run.operation.toUpperCase()} ${status}`,
    startTime: run.startedAt,
    closeTime: run.closedAt,
    progress: { tenantId, phase: run.outcome, startedAt: run.startedAt, steps: run.steps, approval: run.approval, error: run.error, compensation: run.compensation, remindersSent: 0, missingAssignments: [] },
  };
}

export interface TenantSummary {
  tenantId: string;
  workflowId: string;
  status: string;
  phase?: string;
  startTime: string;
}

/** The latest run of every tenant. */
export async function list(client: Client): Promise<TenantSummary[]> {
  const latest = new Map<string, TenantSummary>();
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'onboardTenant'` })) {
    const tenantId = String(execution.typedSearchAttributes.get(TENANT_ID) ?? execution.workflowId.replace(/^onboarding-/, ''));
    const summary: TenantSummary = {
      tenantId,
      workflowId: execution.workflowId,
      status: execution.status.name,
      phase: execution.typedSearchAttributes.get(ONBOARDING_PHASE),
      startTime: execution.startTime.toISOString(),
    };
    const known = latest.get(tenantId);
    if (!known || known.startTime < summary.startTime) latest.set(tenantId, summary);
  }
  return [...latest.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
}

/** A closed run's progress comes from its result, or from the details of its failure. */
async function closedRunProgress(client: Client, description: WorkflowExecutionDescription): Promise<OnboardingProgress | undefined> {
  const handle = client.workflow.getHandle(description.workflowId, description.runId);
  try {
    const result = (await handle.result()) as OnboardingResult;
    return result.progress;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause as { details?: unknown[] } | undefined;
      const details = cause?.details?.[0] as OnboardingProgress | undefined;
      if (details?.steps) return details;
    }
    // A run that ended CANCELED carries no details: the tenant record has its steps and rollback.
    const tenantId = String(description.typedSearchAttributes.get(TENANT_ID) ?? description.workflowId.replace(/^onboarding-/, ''));
    return (await recordedRuns(client, tenantId).catch(() => [])).find((r) => r.runId === description.runId)?.progress;
  }
}

function notFound(tenantId: string): CliError {
  return new CliError(`No onboarding run found for tenant ${tenantId}.`, 4, 'NOT_FOUND', { tenantId });
}

function asCliError(err: unknown, tenantId: string): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof WorkflowNotFoundError) return notFound(tenantId);
  if (err instanceof WorkflowUpdateFailedError) {
    return new CliError((err.cause as Error | undefined)?.message ?? err.message, 3, 'UPDATE_FAILED');
  }
  const message = (err as Error)?.message ?? String(err);
  if (/not waiting|approver is required|rejected/i.test(message)) return new CliError(message.replace(/^.*?: /, ''), 3, 'UPDATE_REFUSED');
  return err;
}


/**
 * Whether any worker polled the task queue recently: without one a started run waits (durably,
 * but silently), and a dry run would block. The server keeps pollers of the last few minutes.
 */
export async function workerIsPolling(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).length > 0;
}

export const NO_WORKER_HINT = (taskQueue: string) =>
  `no worker is polling task queue "${taskQueue}": start one with npm run dev (local server and worker) or npm run worker (against TEMPORAL_ADDRESS).`;
