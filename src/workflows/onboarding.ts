import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { Plan, ProofResult, ProviderEndpoints, StepResult } from '../activities/types';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { TENANT_ID } from '../temporal/search-attributes';
import { CATALOGUE, CHECKS } from './catalogue';
import { OnboardingProgress, cancelOnboardingSignal, confirmGroupAssignmentUpdate, progressQuery } from './messages';
import { OnboardingRun } from './onboarding-run';
import { ACTIVITY_OPTIONS, RECORD_OPTIONS, SCHEDULE_OPTIONS } from './options';
import { orgSlotGrantedSignal } from './org-admission';
import { ownedKeys } from './plan';
import { allSettled, describeError } from './saga';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);
const recordAct = proxyActivities<typeof activities>(RECORD_OPTIONS);
const scheduleAct = proxyActivities<typeof activities>(SCHEDULE_OPTIONS);

export interface OnboardingInput {
  tenant: TenantConfig;
}

export interface OnboardingResult {
  progress: OnboardingProgress;
}

/** Runs recorded before the tenant record existed replay without its step. */
export const TENANT_RECORD_PATCH = 'tenant-record';
/** Runs recorded before consumer access requests existed replay without starting the watcher. */
export const ACCESS_WATCH_PATCH = 'access-watch';
/** Runs recorded before adoption and conflicts existed replay without reading the record before the plan. */
export const ADOPT_PATCH = 'adopt-conflicts';
/** Runs recorded before drift schedules existed replay without writing one. */
export const DRIFT_SCHEDULE_PATCH = 'drift-schedule';
/**
 * A cancel that arrives while the last step is in flight, which then succeeds, still cancels (rolls
 * back) instead of letting the run complete. Asked only on that rare path, so no other history changes.
 */
export const CANCEL_WINS_PATCH = 'cancel-wins-over-last-step';

/**
 * A cancellation request (Temporal's own) ends the run CANCELED after its rollback, also when the
 * cancel signal gave a reason; runs recorded before replay ending FAILED as they did.
 */
export const NATIVE_CANCEL_PATCH = 'native-cancel';

/** Runs recorded before the steps ran as soon as their data allow replay in the old, phase-by-phase order. */
export const PARALLEL_STEPS_PATCH = 'parallel-steps';
/** Runs recorded before the per-org admission existed replay without waiting for a slot of their Okta org. */
export const ORG_ADMISSION_PATCH = 'org-admission';
/**
 * In auto mode, a client's Okta groups are assigned as soon as Anypoint registered the client, all at
 * once, instead of one after the other once every Anypoint step is done (a 429 on the deployment no
 * longer holds them up). Runs recorded before replay the old order.
 */
export const EARLY_ASSIGNMENTS_PATCH = 'early-assignments';

const now = () => new Date(Date.now()).toISOString();

/**
 * Onboards one tenant: Okta authorization server and clients, Anypoint client provider, SSO,
 * API instance and policies, client applications; waits for the Okta group assignment; proves
 * the result. On failure, deadline or cancellation it undoes, in reverse, what this run created.
 * Either way the tenant record learns what the run did.
 */
export async function onboardTenant({ tenant: cfg }: OnboardingInput): Promise<OnboardingResult> {
  const run = new OnboardingRun(cfg);
  const { progress } = run;
  // The root scope: cancelled when Temporal delivers a cancellation request for this run.
  const root = CancellationScope.current();
  upsertSearchAttributes([{ key: TENANT_ID, value: cfg.tenant.id }]);
  run.setPhase('preflight');
  setHandler(progressQuery, () => run.snapshot());
  setHandler(confirmGroupAssignmentUpdate, async ({ approver, identity, note }) => {
    // At an RFC 7591 provider the confirmation is the person's word alone: there are no groups to check.
    const missing = cfg.okta ? await act.checkGroupAssignments(cfg, run.registered) : [];
    run.noteMissing(missing);
    if (missing.length > 0) {
      throw ApplicationFailure.create({
        type: 'AssignmentMissing',
        nonRetryable: true,
        message: `Okta does not show these group assignments yet: ${progress.missingAssignments.join('; ')}. Assign the clients to the groups in Okta, then approve again.`,
        details: [missing],
      });
    }
    // Two approvals in flight at once both pass the validator; the first to get here wins, the other is told.
    if (run.approval) throw alreadyApproved(run.approval);
    run.approval = progress.approval = { approver, ...(identity ? { identity } : {}), note, at: now() };
    return run.approval;
  }, {
    validator: ({ approver }) => {
      if (run.approval) throw alreadyApproved(run.approval);
      if (progress.phase !== 'awaiting-assignment') throw new Error(`This run is not waiting for a group assignment (phase: ${progress.phase}).`);
      if (!approver || approver.trim() === '') throw new Error('approver is required: say who confirms the assignment (--by <name>).');
    },
  });

  // A cancel request with a reason cancels the work scope; compensation then runs outside it.
  const work = new CancellationScope();
  setHandler(cancelOnboardingSignal, ({ reason, by }) => {
    progress.cancelReason = by ? `${reason} (by ${by})` : reason;
    work.cancel();
  });

  const slot = cfg.okta && patched(ORG_ADMISSION_PATCH) ? orgSlot(cfg.okta.orgUrl) : undefined;
  try {
    await work.run(async () => {
      await slot?.take();
      return patched(PARALLEL_STEPS_PATCH) ? provisionAsDataAllow(run, slot) : provision(run);
    });
    await slot?.give();
    if (work.consideredCancelled && patched(CANCEL_WINS_PATCH)) throw new CancelledFailure(`cancelled while the last step ran: ${progress.cancelReason ?? 'cancellation requested'}`);
    // Recorded before the phase says so: whoever waits for 'completed' may stop the worker at once.
    await recordRun(run, 'completed');
    if (cfg.access && patched(ACCESS_WATCH_PATCH)) await recordAct.startAccessWatch(cfg);
    await scheduleDriftChecks(run);
    run.setPhase('completed');
    await condition(allHandlersFinished);
    return { progress: run.snapshot() };
  } catch (err) {
    // Cancelled also when the step in flight, told of the cancel, ended with its own failure instead
    // (a proof that had just met a gateway 500): the person asked for the cancel, and the undo runs alike.
    const cancelled = isCancellation(err) || work.consideredCancelled;
    progress.error = cancelled ? `cancelled: ${progress.cancelReason ?? 'cancellation requested'}` : describeError(err);
    await slot?.give();
    run.setPhase('compensating');
    progress.compensation = await run.saga.compensate();
    await CancellationScope.nonCancellable(() => recordRun(run, cancelled ? 'cancelled' : 'failed'));
    run.setPhase(cancelled ? 'cancelled' : 'failed');
    // A cancel asked for is no warning: the rollback is what was wanted.
    (cancelled ? log.info : log.warn)('onboarding rolled back', { tenant: cfg.tenant.id, error: progress.error, compensation: progress.compensation });
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    if (cancelled && !progress.cancelReason) throw err;
    // Rethrowing the cancellation after the rollback is what ends the run CANCELED in Temporal.
    if (cancelled && root.consideredCancelled && patched(NATIVE_CANCEL_PATCH)) throw err;
    throw ApplicationFailure.create({
      type: cancelled ? 'OnboardingCancelled' : 'OnboardingFailed',
      nonRetryable: true,
      message: compensationSummary(run.snapshot()),
      details: [run.snapshot()],
    });
  }
}

/**
 * The phases, in order, each step starting as soon as the ids it needs exist: preflight of Okta and
 * Anypoint together; on Okta, the authorization server's children and its metadata beside the groups
 * and apps; on Anypoint, the client provider as soon as the metadata and the introspection client
 * exist, the deployment, policies and applications as soon as the API instance does. Okta's own
 * order is kept where Okta demands it (a policy before its rule, one write at a time on a policy).
 */
async function provisionAsDataAllow(run: OnboardingRun, slot?: OrgSlot): Promise<void> {
  const { cfg } = run;
  run.assignsEarly = cfg.okta !== undefined && cfg.assignment.mode === 'auto' && patched(EARLY_ASSIGNMENTS_PATCH);
  const [providerEndpoints, anypoint] = await allSettled([
    cfg.okta ? run.check(CHECKS.preflightOkta, () => act.checkOktaAccess(cfg)).then(() => undefined) : run.check(CHECKS.preflightProvider, () => act.checkProviderAccess(cfg)),
    run.check(CHECKS.preflightAnypoint, () => act.checkAnypointAccess(cfg)),
  ]);
  run.anypoint = anypoint;

  run.setPhase('planning');
  const owned = await ownedKeys(cfg.tenant.id);
  const plan = await run.check(CHECKS.plan, () => act.planOnboarding(cfg, anypoint, owned));
  run.progress.plan = plan;
  for (const entry of plan.entries) run.planByKey.set(entry.key, entry);
  refuseConflicts(plan);

  let oktaDone: Promise<unknown> = Promise.resolve();
  let sso: Promise<StepResult | undefined> = Promise.resolve(undefined);
  let identity: Promise<{ endpoints: ProviderEndpoints; introspectionClientId: string }>;
  if (cfg.okta) {
    const okta = oktaSteps(run, cfg);
    identity = okta.identity;
    sso = okta.sso;
    oktaDone = okta.done;
  } else {
    identity = Promise.resolve({ endpoints: providerEndpoints!, introspectionClientId: cfg.rfc7591.introspectionClient.clientId });
  }
  // The asset's RAML points its security scheme at the provider's URLs: published as soon as they are known.
  const asset = cfg.anypoint.api.raml ? identity.then(({ endpoints }) => run.resource('asset', null, (f) => act.publishApiAsset(cfg, anypoint, endpoints, f))) : undefined;

  const provider = identity.then(({ endpoints, introspectionClientId }) => {
    run.setPhase('anypoint');
    return run.resource('clientProvider', null, (f) => act.ensureClientProvider(cfg, anypoint, endpoints, introspectionClientId, f));
  });
  const signOn = cfg.okta ? Promise.all([identity, sso]).then(([{ endpoints }, app]) => (app ? run.singleSignOn(cfg as OktaTenantConfig, endpoints, app) : undefined)) : undefined;
  const api = Promise.all([provider, asset]).then(([p]) => run.resource('apiInstance', null, (f) => act.ensureApiInstance(cfg, anypoint, p.id, f)));
  const onInstance = api.then(async ({ id: apiId }) => {
    const parents = { apiId };
    await allSettled([
      run.resource('deployment', null, (f) => act.ensureProxyDeployment(cfg, anypoint, apiId, f), { parents }),
      (async () => {
        // Sequential: the policy order on the instance follows the tenant file.
        for (const index of CATALOGUE.apiPolicy.select(cfg)) await run.resource('apiPolicy', index, (f) => act.ensureApiPolicy(cfg, anypoint, apiId, index, f), { parents });
      })(),
      allSettled(cfg.anypoint.clientApplications.map((app) => run.clientApplication(apiId, app.name, app.groups))),
    ]);
  });
  // Every branch is awaited: a failure in one still lets the others settle before compensation.
  await allSettled([asset, oktaDone, provider, signOn, api, onInstance]);
  const { endpoints, introspectionClientId } = await identity;
  const apiId = (await api).id;

  // A person may take days to assign the groups: the org's slot goes to the next tenant meanwhile.
  if (cfg.assignment.mode === 'manual') await slot?.give();
  await run.groupAssignment();
  await prove(run, anypoint, endpoints, apiId, introspectionClientId);
}

interface OrgSlot {
  /** Waits in the org's line until the org's admission lets this run build (no timeout ticks meanwhile). */
  take(): Promise<void>;
  /** Gives the slot back, or leaves the line; once. */
  give(): Promise<void>;
}

/** This run's place at its Okta org's admission (src/workflows/org-admission.ts). */
function orgSlot(orgUrl: string): OrgSlot {
  const { workflowId, runId } = workflowInfo();
  const run = { workflowId, runId };
  let granted = false;
  let asked = false;
  setHandler(orgSlotGrantedSignal, () => {
    granted = true;
  });
  return {
    async take() {
      asked = true;
      await recordAct.requestOrgSlot(orgUrl, run);
      await condition(() => granted);
    },
    async give() {
      if (!asked) return;
      asked = false;
      await CancellationScope.nonCancellable(() => recordAct.releaseOrgSlot(orgUrl, run));
    },
  };
}

/**
 * Okta's steps as promises the Anypoint side waits on: `identity` resolves once the metadata and
 * the introspection client exist, `sso` once the SSO app does, `done` once every Okta step settled.
 */
function oktaSteps(run: OnboardingRun, cfg: OktaTenantConfig): { identity: Promise<{ endpoints: ProviderEndpoints; introspectionClientId: string }>; sso: Promise<StepResult | undefined>; done: Promise<unknown> } {
  run.setPhase('okta');
  const groups = allSettled(CATALOGUE.group.select(cfg).map((name) => run.group(cfg, name)));
  run.groupsSettled = groups;
  const server = run.resource('authorizationServer', null, (f) => act.ensureAuthorizationServer(cfg, f));
  const children = server.then((s) => run.authorizationServerChildren(cfg, s, groups));
  const endpoints = server.then((s) => run.check(CHECKS.metadata, () => act.readOktaEndpoints(cfg, s.id)));
  const introspection = run.resource('introspectionClient', null, (f) => act.ensureIntrospectionClient(cfg, f));
  const sso = cfg.okta.ssoApp ? run.resource('ssoApp', null, (f) => act.ensureSsoApp(cfg, f)) : Promise.resolve(undefined);
  // Okta refuses sign-in to users not assigned to the app; a group of the file is assigned once its step returned its id.
  const assignments = Promise.all([sso, groups]).then(([app]) =>
    app ? allSettled(CATALOGUE.ssoAssignment.select(cfg).map((group) => run.assignGroup('ssoAssignment', group, app.id, group))) : undefined,
  );
  // The tiers' rules after the first rule, one write at a time on the policy; the sign-in proof's people once their groups exist.
  const groupRules = Promise.all([server, children]).then(([s]) => run.oktaGroupRules(cfg, s.id));
  const users = groups.then(() => allSettled(CATALOGUE.verificationUser.select(cfg).map((login) => run.resource('verificationUser', login, (f) => act.ensureVerificationUser(cfg, login, f, run.groupIds)))));
  const identity = Promise.all([endpoints, introspection]).then(([e, i]) => ({ endpoints: e, introspectionClientId: i.id }));
  return { identity, sso, done: allSettled([groups, server, children, groupRules, users, endpoints, introspection, sso, assignments]) };
}

async function prove(run: OnboardingRun, anypoint: NonNullable<OnboardingRun['anypoint']>, endpoints: ProviderEndpoints, apiId: string, introspectionClientId: string): Promise<void> {
  const { cfg } = run;
  if (!cfg.verification.enabled) return;
  run.setPhase('proving');
  const known = { introspectionClientId, verificationApplicationId: run.applicationIds[cfg.verification.clientApplication], applicationIds: run.applicationIds };
  const proof = await run.check(CHECKS.proof, () => act.proveIntegration(cfg, anypoint, endpoints, apiId, known));
  run.progress.proof = proof;
  if (!proof.passed) throw ApplicationFailure.create({ type: 'ProofFailed', nonRetryable: true, message: proofSummary(proof) });
}

/** The phases, in order, as runs recorded before PARALLEL_STEPS_PATCH replay them. */
async function provision(run: OnboardingRun): Promise<void> {
  const { cfg } = run;
  // Preflight: no writes. A failure here leaves nothing to compensate.
  // The identity provider is Okta, or an RFC 7591 provider whose endpoints the preflight reads.
  // Okta tenants run the same commands as before; RFC 7591 tenants never ran on older code, so no patch.
  let providerEndpoints: ProviderEndpoints | undefined;
  if (cfg.okta) await run.check(CHECKS.preflightOkta, () => act.checkOktaAccess(cfg));
  else providerEndpoints = await run.check(CHECKS.preflightProvider, () => act.checkProviderAccess(cfg));
  const anypoint = (run.anypoint = await run.check(CHECKS.preflightAnypoint, () => act.checkAnypointAccess(cfg)));

  run.setPhase('planning');
  // What the tenant's runs created may be changed; anything else only when the file adopts it.
  const owned = patched(ADOPT_PATCH) ? await ownedKeys(cfg.tenant.id) : undefined;
  const plan = await run.check(CHECKS.plan, () => act.planOnboarding(cfg, anypoint, owned));
  run.progress.plan = plan;
  for (const entry of plan.entries) run.planByKey.set(entry.key, entry);
  refuseConflicts(plan);

  const { endpoints, introspectionClientId, sso } = cfg.okta
    ? await oktaPhase(run, cfg)
    : { endpoints: providerEndpoints!, introspectionClientId: cfg.rfc7591.introspectionClient.clientId, sso: undefined };

  run.setPhase('anypoint');
  const [provider] = await allSettled([
    run.resource('clientProvider', null, () => act.ensureClientProvider(cfg, anypoint, endpoints, introspectionClientId)),
    sso && cfg.okta ? run.singleSignOn(cfg, endpoints, sso) : undefined,
    cfg.anypoint.api.raml ? run.resource('asset', null, () => act.publishApiAsset(cfg, anypoint, endpoints)) : undefined,
  ]);
  const api = await run.resource('apiInstance', null, () => act.ensureApiInstance(cfg, anypoint, provider.id));
  const parents = { apiId: api.id };
  await run.resource('deployment', null, () => act.ensureProxyDeployment(cfg, anypoint, api.id), { parents });
  // Sequential: the policy order on the instance follows the tenant file.
  for (const index of CATALOGUE.apiPolicy.select(cfg)) {
    await run.resource('apiPolicy', index, () => act.ensureApiPolicy(cfg, anypoint, api.id, index), { parents });
  }
  await allSettled(cfg.anypoint.clientApplications.map((app) => run.clientApplication(api.id, app.name, app.groups)));

  await run.groupAssignment();

  if (cfg.verification.enabled) {
    run.setPhase('proving');
    const proof = await run.check(CHECKS.proof, () => act.proveIntegration(cfg, anypoint, endpoints, api.id));
    run.progress.proof = proof;
    if (!proof.passed) throw ApplicationFailure.create({ type: 'ProofFailed', nonRetryable: true, message: proofSummary(proof) });
  }
}

/** Okta's side: authorization server, scopes, policy, groups, the introspection client and SSO app; then its endpoints. */
async function oktaPhase(run: OnboardingRun, cfg: OktaTenantConfig): Promise<{ endpoints: ProviderEndpoints; introspectionClientId: string; sso?: StepResult }> {
  run.setPhase('okta');
  const [server, , introspection, sso] = await allSettled([
    run.oktaAuthorizationServer(cfg),
    allSettled(CATALOGUE.group.select(cfg).map((name) => run.resource('group', name, () => act.ensureGroup(cfg, name)))),
    run.resource('introspectionClient', null, () => act.ensureIntrospectionClient(cfg)),
    cfg.okta.ssoApp ? run.resource('ssoApp', null, () => act.ensureSsoApp(cfg)) : undefined,
  ]);
  await run.oktaGroupRules(cfg, server.id);
  // The sign-in proof's people, where the onboarding manages them (a sandbox org, unless the file says otherwise).
  await allSettled(CATALOGUE.verificationUser.select(cfg).map((login) => run.resource('verificationUser', login, () => act.ensureVerificationUser(cfg, login))));
  // Okta refuses sign-in to users not assigned to the app.
  if (sso) await allSettled(CATALOGUE.ssoAssignment.select(cfg).map((group) => run.assignGroup('ssoAssignment', group, sso.id, group)));
  const endpoints = await run.check(CHECKS.metadata, () => act.readOktaEndpoints(cfg, server.id));
  return { endpoints, introspectionClientId: introspection.id, sso };
}

/** Tells the tenant record how the run ended and what it left in place. */
async function recordRun(run: OnboardingRun, outcome: 'completed' | 'failed' | 'cancelled'): Promise<void> {
  if (!patched(TENANT_RECORD_PATCH)) return;
  const info = workflowInfo();
  const p = run.snapshot();
  try {
    await recordAct.recordTenantEvent(run.cfg.tenant.id, {
      id: `${info.runId}:run`,
      at: now(),
      type: 'run',
      run: { operation: 'onboarding', workflowId: info.workflowId, runId: info.runId, startedAt: p.startedAt, closedAt: now(), outcome, steps: p.steps, approval: p.approval, error: p.error, compensation: p.compensation },
      created: run.createdAndKept(),
      removed: [],
    });
  } catch (err) {
    // Retried for hours first (RECORD_OPTIONS). The run's own outcome stands, and its result still
    // lists what it created, which is where an operator then finds it.
    log.error('the tenant record could not be updated', { tenant: run.cfg.tenant.id, error: describeError(err) });
  }
}

function alreadyApproved(approval: { approver: string; at: string }): ApplicationFailure {
  return ApplicationFailure.create({ type: 'AlreadyApproved', nonRetryable: true, message: `Already approved by ${approval.approver} at ${approval.at}; this approval was not recorded.` });
}

/** Creates or updates the tenant's drift Schedule; a failure leaves the onboarding's outcome as it is. */
async function scheduleDriftChecks(run: OnboardingRun): Promise<void> {
  if (!patched(DRIFT_SCHEDULE_PATCH)) return;
  try {
    await scheduleAct.ensureDriftSchedule(run.cfg);
  } catch (err) {
    log.error('the drift schedule could not be written; fix the cause, then: npm run cli -- drift <tenant.yaml> --schedule', { tenant: run.cfg.tenant.id, error: describeError(err) });
  }
}

/** A resource the tenant neither created nor adopted is never changed: the run stops before any write. */
function refuseConflicts(plan: Plan): void {
  const conflicts = plan.entries.filter((e) => e.action === 'conflict');
  if (conflicts.length === 0) return;
  throw ApplicationFailure.create({
    type: 'AdoptConflict',
    nonRetryable: true,
    message: `Refused before any write: ${conflicts.map((e) => `${e.resource} [${e.id}] exists, differs from the tenant file (${e.changes?.join(', ')}) and ${e.reason ?? 'was neither created by this tenant nor adopted'}. Fix: ${e.fix}`).join('; ')}.`,
  });
}

function compensationSummary(progress: OnboardingProgress): string {
  const c = progress.compensation;
  const undone = c ? `${c.undone.length} undone` : 'nothing to undo';
  const failed = c && c.failed.length > 0 ? `; NOT undone: ${c.failed.map((f) => `${f.title} (${f.error})`).join('; ')}` : '';
  return `${progress.error} — rolled back: ${undone}${failed}`;
}

function proofSummary(proof: ProofResult): string {
  const failuresOf = (c: ProofResult) => {
    const who = c.clientApplication ? `"${c.clientApplication}": ` : '';
    const failed = c.probes.filter((p) => !p.passed).map((p) => `${who}${p.method} ${p.path} answered ${p.actual}, expected ${p.expected}`);
    if (!c.introspectionActive) failed.unshift(`${who}the token did not introspect as active`);
    return failed;
  };
  const userFailures = (proof.users ?? []).flatMap((u) =>
    u.flows.filter((f) => !f.passed).map((f) =>
      u.expectedRefused
        ? `${u.login} was expected to be refused but got a ${f.flow} token`
        : f.error
          ? `${u.login} got no ${f.flow} token (${f.error})`
          : `${u.login}'s ${f.flow} token: ${f.probes.filter((p) => !p.passed).map((p) => `${p.method} ${p.path} (token in ${p.tokenIn}) answered ${p.actual}, expected ${p.expected}`).join(', ')}`,
    ),
  );
  const failed = [...failuresOf(proof), ...(proof.otherClients ?? []).flatMap(failuresOf), ...userFailures];
  if (proof.withoutToken.actual !== proof.withoutToken.expected) failed.unshift(`without a token the gateway answered ${proof.withoutToken.actual}, expected ${proof.withoutToken.expected}`);
  return `The integration did not prove out: ${failed.join('; ')}.`;
}
