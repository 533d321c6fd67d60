import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { AnypointContext, OktaEndpoints, PlanEntry, RegisteredClient, StepResult } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { ONBOARDING_PHASE, TENANT_ID } from '../temporal/search-attributes';
import { durationMs } from '../config/duration';
import { Saga, allSettled, describeError } from './saga';
import {
  Approval,
  OnboardingProgress,
  Phase,
  cancelOnboardingSignal,
  confirmGroupAssignmentUpdate,
  progressQuery,
} from './messages';
import { ACTIVITY_OPTIONS, COMPENSATION_OPTIONS } from './options';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const undoAct = proxyActivities<typeof activities>(COMPENSATION_OPTIONS);

export interface OnboardingInput {
  tenant: TenantConfig;
}

export interface OnboardingResult {
  progress: OnboardingProgress;
}

const now = () => new Date(Date.now()).toISOString();

/**
 * Onboards one tenant: Okta authorization server and clients, Anypoint client provider, SSO,
 * API instance and policies, client applications; waits for the Okta group assignment; proves
 * the result. On failure, deadline or cancellation it undoes, in reverse, what this run created.
 */
export async function onboardTenant({ tenant: cfg }: OnboardingInput): Promise<OnboardingResult> {
  const progress: OnboardingProgress = {
    tenantId: cfg.tenant.id,
    phase: 'preflight',
    startedAt: now(),
    steps: [],
    remindersSent: 0,
    missingAssignments: [],
  };
  const planByKey = new Map<string, PlanEntry>();
  const saga = new Saga(() => planByKey);
  const snapshot = (): OnboardingProgress => ({ ...progress, steps: [...saga.steps.values()] });
  const registered: RegisteredClient[] = [];
  let approval: Approval | undefined;

  const setPhase = (phase: Phase) => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: ONBOARDING_PHASE, value: phase }]);
  };
  upsertSearchAttributes([{ key: TENANT_ID, value: cfg.tenant.id }]);
  setPhase('preflight');

  setHandler(progressQuery, snapshot);

  setHandler(
    confirmGroupAssignmentUpdate,
    async ({ approver, note }) => {
      const missing = await act.checkGroupAssignments(cfg, registered);
      progress.missingAssignments = missing.map((m) => `${m.applicationName} (${m.clientId}) → ${m.group}`);
      if (missing.length > 0) {
        throw ApplicationFailure.create({
          type: 'AssignmentMissing',
          nonRetryable: true,
          message: `Okta does not show these group assignments yet: ${progress.missingAssignments.join('; ')}. Assign the clients to the groups in Okta, then approve again.`,
          details: [missing],
        });
      }
      approval = { approver, note, at: now() };
      progress.approval = approval;
      return approval;
    },
    {
      validator: ({ approver }) => {
        if (progress.phase !== 'awaiting-assignment') {
          throw new Error(`This run is not waiting for a group assignment (phase: ${progress.phase}).`);
        }
        if (!approver || approver.trim() === '') throw new Error('approver is required: say who confirms the assignment (--by <name>).');
      },
    },
  );

  // A cancel request with a reason cancels the work scope; compensation then runs outside it.
  const work = new CancellationScope();
  setHandler(cancelOnboardingSignal, ({ reason, by }) => {
    progress.cancelReason = by ? `${reason} (by ${by})` : reason;
    work.cancel();
  });

  try {
    await work.run(() => provision());
    setPhase('completed');
    await condition(allHandlersFinished);
    return { progress: snapshot() };
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.error = cancelled ? `cancelled: ${progress.cancelReason ?? 'cancellation requested'}` : describeError(err);
    setPhase('compensating');
    progress.compensation = await saga.compensate();
    setPhase(cancelled ? 'cancelled' : 'failed');
    log.warn('onboarding rolled back', { tenant: cfg.tenant.id, error: progress.error, compensation: progress.compensation });
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    if (cancelled && !progress.cancelReason) throw err;
    throw ApplicationFailure.create({
      type: cancelled ? 'OnboardingCancelled' : 'OnboardingFailed',
      nonRetryable: true,
      message: compensationSummary(progress),
      details: [snapshot()],
    });
  }

  async function provision(): Promise<void> {
    // Preflight: no writes. A failure here leaves nothing to compensate.
    await saga.track(declared('preflight.okta', 'Okta API token and organization answer'), () => act.checkOktaAccess(cfg));
    const anypoint: AnypointContext = await saga.track(
      declared('preflight.anypoint', 'Anypoint connected app, environment and Exchange asset'),
      () => act.checkAnypointAccess(cfg),
    );

    setPhase('planning');
    const plan = await saga.track(declared('plan', 'Plan: what exists, what will be created or updated'), () =>
      act.planOnboarding(cfg, anypoint),
    );
    progress.plan = plan;
    for (const entry of plan.entries) planByKey.set(entry.key, entry);

    setPhase('okta');
    const [server, , introspection, sso] = await allSettled([
      oktaAuthorizationServer(),
      allSettled(cfg.okta.groups.map((g) => ensureGroup(g.name))),
      saga.step('okta.introspectionClient', `Okta introspection client "${cfg.okta.introspectionClient.label}"`,
        () => act.ensureIntrospectionClient(cfg),
        (r) => undoAct.deleteOktaApp(cfg, { key: 'okta.introspectionClient', id: r?.id, name: cfg.okta.introspectionClient.label })),
      cfg.okta.ssoApp
        ? saga.step('okta.ssoApp', `Okta SSO web app "${cfg.okta.ssoApp.label}"`,
            () => act.ensureSsoApp(cfg),
            (r) => undoAct.deleteOktaApp(cfg, { key: 'okta.ssoApp', id: r?.id, name: cfg.okta.ssoApp?.label }))
        : undefined,
    ]);
    // Okta refuses sign-in to users not assigned to the app; `?? []` keeps runs started before this field replayable.
    if (sso) {
      await allSettled((cfg.okta.ssoApp?.groups ?? []).map((group) =>
        assignGroup(`okta.ssoAssignment:${group}`, `Okta group "${group}" assigned to the SSO app`, sso.id, group)));
    }
    const endpoints: OktaEndpoints = await saga.track(declared('okta.metadata', 'Okta authorization server metadata'), () =>
      act.readOktaEndpoints(cfg, server.id),
    );

    setPhase('anypoint');
    const [provider] = await allSettled([
      saga.step('anypoint.clientProvider', `Anypoint client provider "${cfg.anypoint.clientProvider.name}"`,
        () => act.ensureClientProvider(cfg, anypoint, endpoints, introspection.id),
        (r) => undoAct.deleteClientProvider(cfg, anypoint, { key: 'anypoint.clientProvider', id: r?.id, name: cfg.anypoint.clientProvider.name })),
      sso ? singleSignOn(anypoint, endpoints, sso) : undefined,
      cfg.anypoint.api.raml
        ? saga.step('anypoint.asset', `Exchange asset ${cfg.anypoint.api.asset.assetId} ${cfg.anypoint.api.asset.version}`,
            () => act.publishApiAsset(cfg, anypoint),
            (r) => undoAct.deleteApiAsset(cfg, anypoint, { key: 'anypoint.asset', id: r?.id }))
        : undefined,
    ]);

    const api = await saga.step('anypoint.apiInstance', `API instance "${cfg.anypoint.api.instanceLabel}"`,
      () => act.ensureApiInstance(cfg, anypoint, provider.id),
      (r) => undoAct.deleteApiInstance(cfg, anypoint, { key: 'anypoint.apiInstance', id: r?.id, name: cfg.anypoint.api.instanceLabel }));
    const apiParent = { apiId: api.id };
    await saga.step('anypoint.deployment', `Proxy deployment "${cfg.anypoint.api.proxy.applicationName}"`,
      () => act.ensureProxyDeployment(cfg, anypoint, api.id),
      (r) => undoAct.deleteProxyDeployment(cfg, anypoint, { key: 'anypoint.deployment', id: r?.id, name: cfg.anypoint.api.proxy.applicationName, parents: apiParent }));
    // Sequential: the policy order on the instance follows the tenant file.
    for (const [index, policy] of cfg.anypoint.api.policies.entries()) {
      const key = `anypoint.policy:${index}`;
      await saga.step(key, `OIDC policy ${policy.methods.join('|')} ${policy.resource} → ${policy.scopes.join(' ')}`,
        () => act.ensureApiPolicy(cfg, anypoint, api.id, index),
        (r) => undoAct.deleteApiPolicy(cfg, anypoint, { key, id: r?.id, name: String(index), parents: apiParent }));
    }

    await allSettled(cfg.anypoint.clientApplications.map((app) => clientApplication(anypoint, api.id, app.name, app.groups)));

    await groupAssignment();

    if (cfg.verification.enabled) {
      setPhase('proving');
      const proof = await saga.track(declared('proof', 'Proof: token, introspection, gateway 401/200/403'), () =>
        act.proveIntegration(cfg, anypoint, endpoints, api.id),
      );
      progress.proof = proof;
      if (!proof.passed) {
        throw ApplicationFailure.create({ type: 'ProofFailed', nonRetryable: true, message: proofSummary(proof) });
      }
    }
  }

  async function oktaAuthorizationServer(): Promise<StepResult> {
    const asTitle = 'create' in cfg.okta.authorizationServer
      ? `Okta authorization server "${cfg.okta.authorizationServer.create.name}"`
      : `Okta authorization server "${cfg.okta.authorizationServer.adopt}" (adopted)`;
    const server = await saga.step('okta.authorizationServer', asTitle,
      () => act.ensureAuthorizationServer(cfg),
      (r) => undoAct.deleteAuthorizationServer(cfg, { key: 'okta.authorizationServer', id: r?.id }));
    const parents = { authServerId: server.id };
    await allSettled(cfg.okta.scopes.map((scope) =>
      saga.step(`okta.scope:${scope.name}`, `Okta scope "${scope.name}"`,
        () => act.ensureScope(cfg, server.id, scope.name),
        (r) => undoAct.deleteScope(cfg, { key: `okta.scope:${scope.name}`, id: r?.id, name: scope.name, parents })),
    ));
    // Policies and rules are created one after the other: Okta fails parallel same-priority writes.
    const policy = await saga.step('okta.accessPolicy', `Okta access policy "${cfg.okta.accessPolicy.name}"`,
      () => act.ensureAccessPolicy(cfg, server.id),
      (r) => undoAct.deleteAccessPolicy(cfg, { key: 'okta.accessPolicy', id: r?.id, name: cfg.okta.accessPolicy.name, parents }));
    await saga.step('okta.policyRule', `Okta policy rule "${cfg.okta.accessPolicy.rule.name}"`,
      () => act.ensurePolicyRule(cfg, server.id, policy.id),
      (r) => undoAct.deletePolicyRule(cfg, { key: 'okta.policyRule', id: r?.id, name: cfg.okta.accessPolicy.rule.name, parents: { ...parents, policyId: policy.id } }));
    return server;
  }

  function ensureGroup(name: string): Promise<StepResult> {
    return saga.step(`okta.group:${name}`, `Okta group "${name}"`,
      () => act.ensureGroup(cfg, name),
      (r) => undoAct.deleteGroup(cfg, { key: `okta.group:${name}`, id: r?.id, name }));
  }

  async function singleSignOn(anypoint: AnypointContext, endpoints: OktaEndpoints, sso: StepResult): Promise<void> {
    const idpName = cfg.anypoint.identityProvider?.name ?? 'Okta';
    const idp = await saga.step('anypoint.identityProvider', `Anypoint identity provider "${idpName}"`,
      () => act.ensureIdentityProvider(cfg, anypoint, endpoints, sso.id),
      (r) => undoAct.deleteIdentityProvider(cfg, anypoint, { key: 'anypoint.identityProvider', id: r?.id, name: idpName }));
    const redirectUri = idp.facts?.redirectUri;
    if (!redirectUri) throw ApplicationFailure.nonRetryable('Anypoint did not return a redirect URI for the identity provider.', 'MissingRedirectUri');
    // An update of the SSO app: undone together with the app when this run created it.
    await saga.track(declared('okta.ssoRedirectUri', 'Anypoint redirect URI written into the Okta SSO app'), () =>
      act.setSsoRedirectUri(cfg, sso.id, redirectUri),
    );
  }

  async function clientApplication(anypoint: AnypointContext, apiId: string, name: string, groups: string[]): Promise<void> {
    const key = `anypoint.application:${name}`;
    const app = await saga.step(key, `Exchange client application "${name}" (registers a client in Okta)`,
      () => act.ensureClientApplication(cfg, anypoint, apiId, name),
      async (r) => {
        // Anypoint cannot delete the client it registered in Okta, so the undo does it in Okta directly.
        const removed = await undoAct.deleteClientApplication(cfg, anypoint, { key, id: r?.id, name });
        const clientId = r?.facts?.clientId ?? removed.clientId;
        if (clientId) await undoAct.deleteOktaClient(cfg, { key: `okta.client:${name}`, id: clientId });
      });
    const clientId = app.facts?.clientId;
    if (!clientId) throw ApplicationFailure.nonRetryable(`Anypoint returned no client id for application "${name}".`, 'MissingClientId');
    registered.push({ applicationName: name, clientId, groups });
    const contractKey = `anypoint.contract:${name}`;
    await saga.step(contractKey, `Contract of "${name}" with the API instance`,
      () => act.ensureContract(cfg, anypoint, apiId, app.id),
      async (r) => {
        const target = { key: contractKey, id: r?.id, name: app.id, parents: { apiId } };
        // The platform refuses to delete a contract that is not revoked first.
        await undoAct.revokeContract(cfg, anypoint, target);
        await undoAct.deleteContract(cfg, anypoint, target);
      });
  }

  async function groupAssignment(): Promise<void> {
    if (registered.length === 0) return;
    if (cfg.assignment.mode === 'auto') {
      setPhase('assigning');
      for (const client of registered) {
        for (const group of client.groups) {
          await assignGroup(`okta.assignment:${client.applicationName}:${group}`, `Okta group "${group}" assigned to client of "${client.applicationName}"`, client.clientId, group);
        }
      }
      return;
    }

    const waiting = declared('approval', 'Manual Okta group assignment confirmed');
    const missing = await act.checkGroupAssignments(cfg, registered);
    progress.missingAssignments = missing.map((m) => `${m.applicationName} (${m.clientId}) → ${m.group}`);
    if (missing.length === 0) {
      waiting.state = 'done';
      waiting.outcome = 'unchanged';
      return;
    }
    setPhase('awaiting-assignment');
    await saga.track(waiting, async () => {
      const deadline = Date.now() + msOf(cfg.assignment.mode === 'manual' ? cfg.assignment.deadline : '0s');
      const every = msOf(cfg.assignment.mode === 'manual' ? cfg.assignment.reminderEvery : '1h');
      while (!approval) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw ApplicationFailure.create({
            type: 'AssignmentDeadline',
            nonRetryable: true,
            message: `Nobody confirmed the Okta group assignment before the deadline (${cfg.assignment.mode === 'manual' ? cfg.assignment.deadline : ''}). Still missing: ${progress.missingAssignments.join('; ')}.`,
          });
        }
        if (await condition(() => approval !== undefined, Math.min(every, left))) break;
        if (Date.now() < deadline) {
          progress.remindersSent++;
          await act.remindApprover(cfg, {
            workflowId: workflowInfo().workflowId,
            missing: progress.missingAssignments,
            reminder: progress.remindersSent,
            deadline: new Date(deadline).toISOString(),
          });
        }
      }
      return { outcome: 'unchanged' as const, id: approval?.approver ?? '' };
    });
  }

  function assignGroup(key: string, title: string, appId: string, group: string): Promise<StepResult> {
    return saga.step(key, title,
      () => act.assignGroupToClient(cfg, appId, group),
      (r) => undoAct.unassignGroupFromClient(cfg, { key, id: r?.id, name: group, parents: { clientId: appId } }));
  }

  function declared(key: string, title: string) {
    saga.declare(key, title);
    return saga.steps.get(key)!;
  }
}

function compensationSummary(progress: OnboardingProgress): string {
  const c = progress.compensation;
  const undone = c ? `${c.undone.length} undone` : 'nothing to undo';
  const failed = c && c.failed.length > 0 ? `; NOT undone: ${c.failed.map((f) => `${f.title} (${f.error})`).join('; ')}` : '';
  return `${progress.error} — rolled back: ${undone}${failed}`;
}

function proofSummary(proof: { withoutToken: { actual: number; expected: number }; probes: { method: string; path: string; expected: number; actual: number; passed: boolean }[]; introspectionActive: boolean }): string {
  const failed = proof.probes.filter((p) => !p.passed).map((p) => `${p.method} ${p.path} answered ${p.actual}, expected ${p.expected}`);
  if (proof.withoutToken.actual !== proof.withoutToken.expected) failed.unshift(`without a token the gateway answered ${proof.withoutToken.actual}, expected ${proof.withoutToken.expected}`);
  if (!proof.introspectionActive) failed.unshift('the token did not introspect as active');
  return `The integration did not prove out: ${failed.join('; ')}.`;
}

function msOf(duration: string): number {
  const ms = durationMs(duration);
  if (ms === undefined) throw ApplicationFailure.nonRetryable(`Unreadable duration "${duration}"`, 'InvalidDuration');
  return ms;
}
