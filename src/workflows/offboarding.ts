import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { TenantConfig } from '../config/tenant';
import { msOf } from './durations';
import { TENANT_ID } from '../temporal/search-attributes';
import { CHECKS, KIND_ORDER, SHARED_RESOURCE_IN_USE } from './catalogue';
import type { Approval, ConfirmAssignmentRequest, StepProgress } from './messages';
import { ACTIVITY_OPTIONS, RECORD_OPTIONS } from './options';
import { DRIFT_SCHEDULE_PATCH } from './onboarding';
import { removeResource } from './removal';
import { Saga, describeError } from './saga';
import type { RecordedResource } from './tenant-record';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const recordAct = proxyActivities<typeof activities>(RECORD_OPTIONS);

export type OffboardingPhase = 'preflight' | 'awaiting-confirmation' | 'removing' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface OffboardingProgress {
  tenantId: string;
  phase: OffboardingPhase;
  startedAt: string;
  /** What will be removed, in this order: exactly what the tenant's runs created. */
  removals: { key: string; title: string; system: string; id?: string; createdBy: string }[];
  steps: StepProgress[];
  confirmation?: Approval;
  /** Keys that could not be removed; they stay in the tenant record. */
  notRemoved: { key: string; title: string; error: string }[];
  /**
   * Clients Anypoint registered at an RFC 7591 provider: no way to delete them is offered to this project, so
   * they are named here (and stay in the tenant record) for the provider's admin, and do not fail the run.
   */
  leftAtProvider?: { key: string; title: string; clientId?: string; error: string }[];
  /**
   * Resources this tenant created that other tenants still use (a shared client provider, its introspection
   * client, authorization server, a scope another tenant's rule names): kept, and kept in the tenant record;
   * they do not fail the run, and running the offboarding again removes them once nobody uses them.
   */
  keptInUse?: { key: string; title: string; id?: string; usedBy: string }[];
  /** When the wait for a confirmation ends the run, removing nothing (ISO time), while it waits. */
  deadline?: string;
  error?: string;
}

export interface OffboardingInput {
  tenant: TenantConfig;
  /**
   * How long the removal list waits for a confirmation before the run ends, removing nothing.
   * @default '24h'
   */
  confirmWithin?: string;
}

export const offboardingProgressQuery = defineQuery<OffboardingProgress>('offboardingProgress');
/** A person confirms the removal list the run shows; nothing is removed before. */
export const confirmOffboardingUpdate = defineUpdate<Approval, [ConfirmAssignmentRequest]>('confirmOffboarding');
/** Abandons an offboarding that waits for confirmation; nothing is removed. */
export const abandonOffboardingSignal = defineSignal<[{ reason: string; by?: string }]>('abandonOffboarding');

const now = () => new Date(Date.now()).toISOString();

/**
 * Removes a tenant's integration: reads the tenant record, shows what the tenant's runs created (and
 * nothing else: adopted and pre-existing resources are not in it), waits for a person to confirm,
 * then removes it child before parent, including the Okta clients Anypoint registered. Durable:
 * a crash resumes where it was, and every removal is idempotent. The record learns the outcome.
 */
export async function offboardTenant({ tenant: cfg, confirmWithin = '24h' }: OffboardingInput): Promise<OffboardingProgress> {
  const tenantId = cfg.tenant.id;
  const saga = new Saga(() => new Map());
  const progress: OffboardingProgress = { tenantId, phase: 'preflight', startedAt: now(), removals: [], steps: [], notRemoved: [] };
  const snapshot = (): OffboardingProgress => ({ ...progress, steps: [...saga.steps.values()] });
  upsertSearchAttributes([{ key: TENANT_ID, value: tenantId }]);
  setHandler(offboardingProgressQuery, snapshot);
  let abandoned: string | undefined;
  setHandler(abandonOffboardingSignal, ({ reason, by }) => void (abandoned = by ? `${reason} (by ${by})` : reason));
  setHandler(confirmOffboardingUpdate, ({ approver, identity, note }) => (progress.confirmation = { approver, ...(identity ? { identity } : {}), note, at: now() }), {
    validator: ({ approver }) => {
      // A second confirmation in the same moment would overwrite the first one's name in the record.
      if (progress.confirmation) throw new Error(`Already confirmed by ${progress.confirmation.approver} at ${progress.confirmation.at}; this confirmation was not recorded.`);
      if (progress.phase !== 'awaiting-confirmation') throw new Error(`This offboarding is not waiting for a confirmation (phase: ${progress.phase}).`);
      if (!approver?.trim()) throw new Error('approver is required: say who confirms the offboarding (--by <name>).');
    },
  });

  const step = (key: string, title: string) => {
    saga.declare(key, title);
    return saga.steps.get(key)!;
  };
  let resources: RecordedResource[] = [];
  try {
    const record = await saga.track(step('record.read', 'Tenant record read; no onboarding running'), () => act.checkOffboardable(tenantId));
    resources = removalOrder(record.resources);
    progress.removals = resources.map((r) => ({ key: r.target.key, title: r.title, system: r.system, id: r.target.id, createdBy: r.createdBy }));
    const anypoint = resources.some((r) => r.system === 'anypoint')
      ? await saga.track(step(CHECKS.preflightAnypoint.key, 'Anypoint connected app and environment'), () => act.readAnypointContext(cfg))
      : undefined;

    progress.phase = 'awaiting-confirmation';
    progress.deadline = new Date(Date.now() + msOf(confirmWithin)).toISOString();
    const confirmed = await condition(() => progress.confirmation !== undefined || abandoned !== undefined, msOf(confirmWithin));
    if (!confirmed || abandoned) {
      progress.phase = abandoned ? 'cancelled' : 'expired';
      progress.error = abandoned ? `abandoned: ${abandoned}` : `nobody confirmed within ${confirmWithin}; nothing was removed`;
      return snapshot();
    }

    progress.phase = 'removing';
    // No new consumer request may start while the integration goes away.
    await saga.track(step('access.watch', 'Consumer access watcher stopped'), () => recordAct.stopAccessWatch(tenantId));
    const removed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const resource of resources) {
        try {
          await saga.track(step(resource.target.key, `Remove ${resource.title}`), () => removeResource(cfg, anypoint, resource));
          removed.push(resource.target.key);
        } catch (err) {
          const entry = { key: resource.target.key, title: resource.title, error: describeError(err) };
          if (resource.system === 'provider') (progress.leftAtProvider ??= []).push({ ...entry, clientId: resource.target.id });
          else if (failureType(err) === SHARED_RESOURCE_IN_USE) (progress.keptInUse ??= []).push({ key: entry.key, title: entry.title, id: resource.target.id, usedBy: entry.error });
          else progress.notRemoved.push(entry);
        }
      }
    });
    // Nothing left to check once the tenant is gone; kept while some removal failed (its drift still matters).
    if (progress.notRemoved.length === 0 && patched(DRIFT_SCHEDULE_PATCH)) await CancellationScope.nonCancellable(() => act.removeDriftSchedule(tenantId));
    progress.phase = progress.notRemoved.length === 0 ? 'completed' : 'failed';
    if (progress.notRemoved.length > 0) progress.error = `${progress.notRemoved.length} resource(s) could not be removed; they stay in the tenant record. Run the offboarding again once the cause is fixed.`;
    await recordOutcome(removed);
  } catch (err) {
    progress.phase = isCancellation(err) ? 'cancelled' : 'failed';
    progress.error = describeError(err);
    throw ApplicationFailure.create({ type: 'OffboardingFailed', nonRetryable: true, message: progress.error, details: [snapshot()] });
  } finally {
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
  return snapshot();

  async function recordOutcome(removed: string[]): Promise<void> {
    const info = workflowInfo();
    const p = snapshot();
    await CancellationScope.nonCancellable(() =>
      recordAct.recordTenantEvent(tenantId, {
        id: `${info.runId}:run`,
        at: now(),
        type: 'run',
        run: { operation: 'offboarding', workflowId: info.workflowId, runId: info.runId, startedAt: p.startedAt, closedAt: now(), outcome: p.phase === 'completed' ? 'completed' : 'failed', steps: p.steps, approval: p.confirmation, error: p.error },
        created: [],
        removed,
      }),
    );
  }
}

/** The ApplicationFailure type an activity failed with (the activity failure's cause), if any. */
function failureType(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : err instanceof ApplicationFailure ? err.type ?? undefined : undefined;
}

/** Children before parents: the catalogue's order reversed, and the later of two resources of one kind first. */
export function removalOrder(resources: RecordedResource[]): RecordedResource[] {
  const rank = (r: RecordedResource) => KIND_ORDER.indexOf(r.kind);
  return resources.map((r, i) => ({ r, i })).sort((a, b) => rank(b.r) - rank(a.r) || b.i - a.i).map(({ r }) => r);
}
