import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { LRUCache } from 'lru-cache';
import { oktaActivities } from '../activities/okta';
import type { MissingAssignment, RegisteredClient } from '../activities/types';
import { decideAccessRequest, listAccessRequests } from '../cli/access';
import { abandonOffboarding, confirmOffboarding } from '../cli/lifecycle';
import { approve, cancel, list, progress, type TenantSummary } from '../cli/operations';
import { oktaTenant, type TenantConfig } from '../config/tenant';
import { accessRequestQuery, type AccessRequestProgress } from '../workflows/access';
import { offboardingWorkflowIdFor, onboardingWorkflowIdFor } from '../workflows/ids';
import type { ApproverIdentity } from '../workflows/messages';
import { offboardingProgressQuery, type OffboardingProgress } from '../workflows/offboarding';
import { TENANT_ID } from '../temporal/search-attributes';

/*
 * The inbox: every pause that waits for a person, found the way the CLI finds them (the same list,
 * status and request readers), and decided through the same functions the CLI calls, so the
 * workflows' validators and handlers are the only judges of an approval.
 */

/** What Okta shows right now for the assignments a pause needs (read with the tenant's own credentials). */
export type LiveCheck =
  | { state: 'shown' }
  | { state: 'missing'; missing: MissingAssignment[] }
  | { state: 'unchecked'; reason: string };

interface WaitingBase {
  /** Stable key of the pause, used in forms: `<kind>:<workflowId>`. */
  key: string;
  tenantId: string;
  workflowId: string;
  since?: string;
  deadline?: string;
}

export interface OnboardingWait extends WaitingBase {
  kind: 'onboarding';
  /** What the run waits for, in the CLI's words (`app (client) → group`). */
  toAssign: string[];
  live: LiveCheck;
}

export interface AccessWait extends WaitingBase {
  kind: 'access' | 'retirement';
  contractId: string;
  applicationName: string;
  clientId?: string;
  tier?: string;
  groups: string[];
  live: LiveCheck;
}

export interface OffboardingWait extends WaitingBase {
  kind: 'offboarding';
  removals: OffboardingProgress['removals'];
}

export type WaitingItem = OnboardingWait | AccessWait | OffboardingWait;

export interface Inbox {
  items: WaitingItem[];
  tenants: TenantSummary[];
}

/**
 * @param opts.live The Okta check for the pauses that wait for assignments; without it the page
 *   says "not checked on this page".
 */
export async function readInbox(client: Client, opts: { live?: AssignmentChecks }): Promise<Inbox> {
  const tenants = await list(client);
  const items: WaitingItem[] = [];
  for (const tenant of tenants) {
    if (tenant.status === 'RUNNING') {
      const p = await progress(client, tenant.tenantId).catch(() => undefined);
      if (p?.phase === 'awaiting-assignment') {
        const workflowId = onboardingWorkflowIdFor(tenant.tenantId);
        items.push({
          kind: 'onboarding',
          key: `onboarding:${workflowId}`,
          tenantId: tenant.tenantId,
          workflowId,
          since: p.steps.find((s) => s.state === 'running')?.startedAt,
          deadline: p.deadline,
          toAssign: p.missingAssignments,
          live: p.missing && opts.live ? await opts.live.check(client, workflowId, groupByClient(p.missing)) : { state: 'unchecked', reason: p.missing ? 'not checked on this page' : 'this run does not say what to check' },
        });
      }
    }
    for (const request of await listAccessRequests(client, tenant.tenantId)) {
      const p = request.progress;
      if (request.status !== 'RUNNING' || p?.state !== 'waiting') continue;
      items.push(await accessWait(client, request.workflowId, p, opts.live));
    }
  }
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'offboardTenant' AND ExecutionStatus = 'Running'` })) {
    const p = await client.workflow.getHandle(execution.workflowId).query(offboardingProgressQuery).catch(() => undefined);
    if (p?.phase !== 'awaiting-confirmation') continue;
    items.push({ kind: 'offboarding', key: `offboarding:${execution.workflowId}`, tenantId: p.tenantId, workflowId: execution.workflowId, since: p.startedAt, deadline: p.deadline, removals: p.removals });
  }
  return { items, tenants };
}

async function accessWait(client: Client, workflowId: string, p: AccessRequestProgress, live: AssignmentChecks | undefined): Promise<AccessWait> {
  const kind = p.kind === 'request' ? 'access' : 'retirement';
  const needs: RegisteredClient[] = kind === 'access' && p.request.clientId ? [{ applicationName: p.request.applicationName, clientId: p.request.clientId, groups: p.groups }] : [];
  return {
    kind,
    key: `${kind}:${workflowId}`,
    tenantId: p.tenantId,
    workflowId,
    since: p.startedAt,
    deadline: p.deadline,
    contractId: p.request.contractId,
    applicationName: p.request.applicationName,
    clientId: p.request.clientId,
    tier: p.tier,
    groups: p.groups,
    live: kind === 'retirement' ? { state: 'unchecked', reason: 'a removal: nothing to assign' } : live ? await live.check(client, workflowId, needs) : { state: 'unchecked', reason: 'not checked on this page' },
  };
}

function groupByClient(missing: MissingAssignment[]): RegisteredClient[] {
  const byClient = new Map<string, RegisteredClient>();
  for (const m of missing) {
    const c = byClient.get(m.clientId) ?? { applicationName: m.applicationName, clientId: m.clientId, groups: [] };
    c.groups.push(m.group);
    byClient.set(m.clientId, c);
  }
  return [...byClient.values()];
}

/**
 * Asks Okta, with the check the workflow itself runs, whether the assignments are there now. The
 * tenant file comes from the waiting workflow's own input (its secret references, never a secret:
 * they resolve here, in the console's environment, as they do in the worker's).
 *
 * Each item's answer is kept for `everyMs` and shared by every open page: a page refreshes every
 * 2 s, and the calls go to Okta's `/api/v1/apps*` bucket (20 a minute on a free org), the same
 * budget the onboardings need. Pages that ask at once wait on one request; a failed check is not kept.
 */
export class AssignmentChecks {
  private readonly answers: LRUCache<string, LiveCheck, { client: Client; workflowId: string; needs: RegisteredClient[] }>;

  constructor(everyMs: number) {
    this.answers = new LRUCache({
      max: 1_000,
      ttl: everyMs,
      fetchMethod: async (_key, _stale, { context }) => {
        const cfg = await workflowTenant(context.client, context.workflowId);
        const missing = await oktaActivities.checkGroupAssignments(oktaTenant(cfg), context.needs);
        return missing.length === 0 ? { state: 'shown' } : { state: 'missing', missing };
      },
    });
  }

  async check(client: Client, workflowId: string, needs: RegisteredClient[]): Promise<LiveCheck> {
    if (needs.length === 0) return { state: 'shown' };
    try {
      return (await this.answers.fetch(`${workflowId} ${JSON.stringify(needs)}`, { context: { client, workflowId, needs } }))!;
    } catch (err) {
      return { state: 'unchecked', reason: `Okta could not be asked from the console: ${(err as Error).message}` };
    }
  }
}

const tenantInputs = new Map<string, TenantConfig>();

async function workflowTenant(client: Client, workflowId: string): Promise<TenantConfig> {
  const handle = client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const cacheKey = `${workflowId}/${runId}`;
  const known = tenantInputs.get(cacheKey);
  if (known) return known;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  const input = await decodeFromPayloadsAtIndex<{ tenant: TenantConfig }>(client.options.loadedDataConverter, 0, payloads);
  tenantInputs.set(cacheKey, input.tenant);
  return input.tenant;
}

/** A decision a signed-in approver posts from the inbox. */
export interface Decision {
  key: string;
  decision: 'approve' | 'reject';
  note?: string;
}

export interface DecisionOutcome {
  ok: boolean;
  message: string;
}

/**
 * Carries a decision to the workflow by the CLI's own functions, with the signed-in identity. What
 * the workflow answers (approved, refused and why, already approved by whom) is the outcome.
 */
export async function decide(client: Client, d: Decision, who: { displayName: string; identity: ApproverIdentity }): Promise<DecisionOutcome> {
  const [kind, workflowId] = splitKey(d.key);
  const described = await client.workflow.getHandle(workflowId).describe();
  const tenantId = described.typedSearchAttributes.get(TENANT_ID);
  if (!tenantId) throw new Error(`Workflow ${workflowId} names no tenant.`);
  switch (kind) {
    case 'onboarding': {
      if (workflowId !== onboardingWorkflowIdFor(tenantId)) throw new Error('That onboarding id does not match its tenant.');
      if (d.decision === 'reject') {
        // The CLI's cancel: the reason (the note) and who are kept in the run's progress and the audit.
        await cancel(client, tenantId, d.note ? `rejected in the console: ${d.note}` : 'rejected in the console', who.displayName);
        return { ok: true, message: `Rejected by ${who.displayName}: the onboarding of ${tenantId} is cancelled and rolls back what it created.` };
      }
      const a = await approve(client, tenantId, who.displayName, d.note, who.identity);
      return { ok: true, message: `Approved by ${a.approver} at ${a.at}: the onboarding of ${tenantId} continues.` };
    }
    case 'access':
    case 'retirement': {
      const p = await client.workflow.getHandle(workflowId).query(accessRequestQuery).catch(() => undefined);
      const contractId = p?.request.contractId;
      if (!contractId) throw new Error(`Workflow ${workflowId} is not an access request.`);
      const done = await decideAccessRequest(client, tenantId, contractId, d.decision, who.displayName, { note: d.note, retirement: kind === 'retirement', identity: who.identity });
      return { ok: true, message: `${done.decision === 'approve' ? 'Approved' : 'Rejected'} by ${done.by} at ${done.at}: contract ${contractId} of ${tenantId}.` };
    }
    case 'offboarding': {
      if (workflowId !== offboardingWorkflowIdFor(tenantId)) throw new Error('That offboarding id does not match its tenant.');
      if (d.decision === 'reject') {
        const abandoned = await abandonOffboarding(client, tenantId, d.note ? `abandoned in the console: ${d.note}` : 'abandoned in the console', who.displayName);
        return { ok: abandoned.phase === 'cancelled', message: `Abandoned by ${who.displayName}: the offboarding of ${tenantId} ended ${abandoned.phase}; nothing was removed.` };
      }
      const p = await confirmOffboarding(client, tenantId, who.displayName, d.note, who.identity);
      return { ok: p.phase === 'completed', message: `Confirmed by ${p.confirmation?.approver ?? who.displayName}: the offboarding of ${tenantId} ended ${p.phase}${p.error ? ` (${p.error})` : ''}.` };
    }
  }
}

export function splitKey(key: string): ['onboarding' | 'access' | 'retirement' | 'offboarding', string] {
  const match = /^(onboarding|access|retirement|offboarding):(.+)$/.exec(key);
  if (!match) throw new BadDecision('The form names no pause this console knows.');
  return [match[1] as 'onboarding', match[2]];
}

export class BadDecision extends Error {}
