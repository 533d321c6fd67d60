import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { AnypointContext } from '../activities/types';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { oktaTenant } from '../config/tenant-kind';
import { TENANT_ID } from '../temporal/search-attributes';
import { CATALOGUE, CHECKS } from './catalogue';
import type { StepProgress } from './messages';
import { ACTIVITY_OPTIONS, COMPENSATION_OPTIONS, RECORD_OPTIONS } from './options';
import { Saga, describeError } from './saga';
import type { RotatedCredential, RotationSummary } from './tenant-record';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const undoAct = proxyActivities<typeof activities>(COMPENSATION_OPTIONS);
const recordAct = proxyActivities<typeof activities>(RECORD_OPTIONS);
/** The gateway may take a moment to use the new secret; a proof that keeps failing means the switch did not work. */
const proofAct = proxyActivities<typeof activities>({ ...ACTIVITY_OPTIONS, retry: { ...ACTIVITY_OPTIONS.retry, maximumAttempts: 6 } });

export type RotationPhase = 'checking' | 'rotating' | 'proving' | 'retiring' | 'completed' | 'refused' | 'failed';

export interface RotationProgress {
  tenantId: string;
  workflowId: string;
  runId: string;
  credential: RotatedCredential;
  by: string;
  phase: RotationPhase;
  startedAt: string;
  steps: StepProgress[];
  /** Okta ids (never values) of the introspection client's secrets. */
  retiredSecretId?: string;
  newSecretId?: string;
  error?: string;
}

export interface RotationInput {
  /** The tenant file; for the Okta token, its okta.apiToken already points at the new token. */
  tenant: TenantConfig;
  credential: RotatedCredential;
  /** Who rotates: kept in the tenant record. */
  by: string;
}

export const rotationProgressQuery = defineQuery<RotationProgress>('rotationProgress');

/** The rotation's steps, keyed and titled once. */
export const ROTATION_STEPS = {
  record: { key: 'rotation.record', title: 'Tenant record read; no onboarding or offboarding running' },
  oktaToken: { key: 'rotation.oktaToken', title: 'The Okta API token the tenant file points at works' },
  provider: { key: 'rotation.clientProvider', title: 'Anypoint client provider read' },
  pushToken: { key: 'rotation.registrationToken', title: 'Client provider registers with the new Okta API token' },
  apiInstance: { key: 'rotation.apiInstance', title: 'API instance the throw-away registration goes through' },
  probeRegistration: { key: 'rotation.probeRegistration', title: 'Throw-away application registered in Okta through the client provider' },
  probeRemoval: { key: 'rotation.probeRemoval', title: 'Throw-away application and its Okta client deleted' },
  secrets: { key: 'rotation.secrets', title: 'Introspection client has one secret, the one Anypoint holds' },
  addSecret: { key: 'rotation.addSecret', title: 'Second introspection client secret created in Okta' },
  switchSecret: { key: 'rotation.switchSecret', title: 'Client provider introspects with the new secret' },
  proof: { key: 'rotation.proof', title: 'Gateway still introspects: a fresh token gets the allowed call through' },
  deactivateOld: { key: 'rotation.deactivateOld', title: 'Old introspection secret deactivated' },
  deleteOld: { key: 'rotation.deleteOld', title: 'Old introspection secret deleted' },
  restoreOld: { key: 'rotation.restoreOld', title: 'Rolled back: client provider back on the old secret, new secret removed' },
} as const;

const now = () => new Date(Date.now()).toISOString();

/**
 * Rotates one credential the tenant's client provider holds, checking before it writes and
 * proving after: (okta-token) the token the tenant file now points at is verified against Okta,
 * written into the provider, and proved by a throw-away registration that is then deleted, Okta
 * client included; (introspection-secret) a second Okta secret is added, the provider switched to
 * it, the gateway proved, and only then the old secret retired, so the gateway never stops
 * introspecting. Durable: every step is idempotent, a crash resumes where it was. The tenant record
 * learns the outcome. Secret values never enter this workflow, only Okta's ids of the secrets.
 */
export async function rotateCredential({ tenant, credential, by }: RotationInput): Promise<RotationProgress> {
  const cfg = oktaTenant(tenant);
  const tenantId = cfg.tenant.id;
  const saga = new Saga(() => new Map());
  const { workflowId, runId } = workflowInfo();
  const progress: RotationProgress = { tenantId, workflowId, runId, credential, by, phase: 'checking', startedAt: now(), steps: [] };
  const snapshot = (): RotationProgress => ({ ...progress, steps: [...saga.steps.values()] });
  upsertSearchAttributes([{ key: TENANT_ID, value: tenantId }]);
  setHandler(rotationProgressQuery, snapshot);
  const step = <T>(s: { key: string; title: string }, run: () => Promise<T>): Promise<T> => {
    saga.declare(s.key, s.title);
    return saga.track(saga.steps.get(s.key)!, run);
  };

  try {
    await step(ROTATION_STEPS.record, () => act.checkRotatable(tenantId));
    if (credential === 'okta-token') await step(ROTATION_STEPS.oktaToken, () => act.verifyOktaToken(cfg));
    const anypoint = await step({ key: CHECKS.preflightAnypoint.key, title: 'Anypoint connected app and environment' }, () => act.readAnypointContext(cfg));
    const provider = await step(ROTATION_STEPS.provider, () => act.readClientProvider(cfg, anypoint));
    if (credential === 'okta-token') {
      const apiId = await step(ROTATION_STEPS.apiInstance, () => act.findApiInstanceId(cfg, anypoint));
      progress.phase = 'rotating';
      await step(ROTATION_STEPS.pushToken, () => act.pushRegistrationToken(cfg, anypoint, provider.providerId));
      progress.phase = 'proving';
      await proveRegistration(cfg, anypoint, apiId, step);
    } else {
      const { retiringSecretId } = await step(ROTATION_STEPS.secrets, () => act.startSecretRotation(cfg, provider.introspectionAppId));
      progress.retiredSecretId = retiringSecretId;
      progress.phase = 'rotating';
      await rotateIntrospectionSecret(cfg, anypoint, provider, retiringSecretId, progress, step);
    }
    progress.phase = 'completed';
  } catch (err) {
    progress.phase = progress.phase === 'checking' ? 'refused' : 'failed';
    progress.error = isCancellation(err) ? 'stopped: the rotation was cancelled' : describeError(err);
  }
  await CancellationScope.nonCancellable(() => recordOutcome(snapshot()));
  if (progress.phase !== 'completed') {
    throw ApplicationFailure.create({ type: progress.phase === 'refused' ? 'RotationRefused' : 'RotationFailed', nonRetryable: true, message: progress.error, details: [snapshot()] });
  }
  return snapshot();

  async function recordOutcome(p: RotationProgress): Promise<void> {
    const rotation: RotationSummary = {
      credential,
      workflowId,
      runId,
      by,
      startedAt: p.startedAt,
      closedAt: now(),
      outcome: p.phase === 'completed' ? 'completed' : p.phase === 'refused' ? 'refused' : 'failed',
      steps: p.steps,
      ...(p.newSecretId ? { newSecretId: p.newSecretId, retiredSecretId: p.retiredSecretId } : {}),
      ...(p.error ? { error: p.error } : {}),
    };
    await recordAct.recordTenantEvent(tenantId, { id: `${runId}:rotation`, at: now(), type: 'rotation', rotation });
  }
}

type Step = <T>(s: { key: string; title: string }, run: () => Promise<T>) => Promise<T>;

/**
 * A consumer's "Request access", minus the consumer: Anypoint registers a throw-away application in
 * Okta with the token it now holds. Removed whatever happens, Okta client included: Anypoint cannot
 * delete what it registered in Okta.
 */
async function proveRegistration(cfg: OktaTenantConfig, anypoint: AnypointContext, apiId: string, step: Step): Promise<void> {
  const name = `${cfg.tenant.id} registration check ${workflowInfo().runId.slice(0, 8)}`;
  let clientId: string | undefined;
  try {
    clientId = (await step(ROTATION_STEPS.probeRegistration, () => act.registerProbeApplication(cfg, anypoint, apiId, name))).clientId;
  } finally {
    // Also after a failed or timed-out registration, which may have registered all the same: found by its name.
    await CancellationScope.nonCancellable(() =>
      step(ROTATION_STEPS.probeRemoval, async () => {
        const removed = await undoAct.deleteClientApplication(cfg, anypoint, { key: ROTATION_STEPS.probeRegistration.key, name });
        const registered = clientId ?? removed.clientId;
        if (registered) await undoAct.deleteOktaClient(cfg, { key: CATALOGUE.registeredClient.key(name), id: registered });
      }),
    );
  }
}

/** Two secrets overlap while Anypoint switches, so every introspection in between succeeds with one of them. */
async function rotateIntrospectionSecret(
  cfg: OktaTenantConfig,
  anypoint: AnypointContext,
  provider: { providerId: string; tokenUrl: string; introspectionAppId: string },
  retiringSecretId: string,
  progress: RotationProgress,
  step: Step,
): Promise<void> {
  const appId = provider.introspectionAppId;
  const newSecretId = await step(ROTATION_STEPS.addSecret, () => act.addIntrospectionSecret(cfg, appId, retiringSecretId));
  progress.newSecretId = newSecretId;
  try {
    await step(ROTATION_STEPS.switchSecret, () => act.switchProviderSecret(cfg, anypoint, provider.providerId, appId, newSecretId));
    progress.phase = 'proving';
    await step(ROTATION_STEPS.proof, () => proofAct.proveGatewayIntrospection(cfg, anypoint, provider.tokenUrl));
  } catch (err) {
    // The old secret still works: put it back and remove the new one, leaving things as they were.
    await CancellationScope.nonCancellable(() =>
      step(ROTATION_STEPS.restoreOld, async () => {
        await undoAct.switchProviderSecret(cfg, anypoint, provider.providerId, appId, retiringSecretId);
        await undoAct.deactivateIntrospectionSecret(cfg, appId, newSecretId);
        await undoAct.deleteIntrospectionSecret(cfg, appId, newSecretId);
      }),
    );
    progress.newSecretId = undefined;
    throw err;
  }
  progress.phase = 'retiring';
  await step(ROTATION_STEPS.deactivateOld, () => act.deactivateIntrospectionSecret(cfg, appId, retiringSecretId));
  await step(ROTATION_STEPS.deleteOld, () => act.deleteIntrospectionSecret(cfg, appId, retiringSecretId));
}
