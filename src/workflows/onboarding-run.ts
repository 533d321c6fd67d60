import { ApplicationFailure, condition, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { AnypointContext, MissingAssignment, OktaEndpoints, PlanEntry, PlanFinding, RegisteredClient, StepResult, UndoTarget } from '../activities/types';
import type { OktaTenantConfig, TenantConfig } from '../config/tenant';
import { msOf } from './durations';
import { ONBOARDING_PHASE } from '../temporal/search-attributes';
import { CATALOGUE, CHECKS, type ItemOf, type KindName, type ParentId, type ResourceKind } from './catalogue';
import type { Approval, OnboardingProgress, Phase, StepProgress } from './messages';
import { removeResource, restoreResource } from './removal';
import { Saga, allSettled } from './saga';
import type { RecordedResource } from './tenant-record';
import { ACTIVITY_OPTIONS } from './options';

const act = proxyActivities<typeof activities>(ACTIVITY_OPTIONS);

const now = () => new Date(Date.now()).toISOString();

interface ResourceOptions {
  parents?: Partial<Record<ParentId, string>>;
  /** Identity an undo looks up by when it has no id, when it is only known at run time. */
  identity?: string;
}

/**
 * The state of one onboarding run and its steps. Each resource step takes its key, title and undo
 * from the catalogue; what stays here is what the catalogue cannot say: which ids a step needs
 * from the steps before it.
 */
export class OnboardingRun {
  readonly progress: OnboardingProgress;
  readonly planByKey = new Map<string, PlanEntry>();
  readonly saga = new Saga(() => this.planByKey);
  readonly registered: RegisteredClient[] = [];
  /** What this run created, by step key, with how to remove it. */
  readonly created = new Map<string, RecordedResource>();
  approval?: Approval;
  anypoint?: AnypointContext;
  /** The Okta access policy's id, once its step ran: the group rules go under it. */
  accessPolicyId?: string;
  /** Ids the group steps returned, by name: later steps that name a group need no look-up. */
  readonly groupIds: Record<string, string> = {};
  /** Assign each client's groups once it is registered (auto mode, EARLY_ASSIGNMENTS_PATCH), after `groupsSettled`. */
  assignsEarly = false;
  /** Settles once every group step of the tenant file did. */
  groupsSettled: Promise<unknown> = Promise.resolve();
  /** Ids of the Exchange applications by name, as their steps returned them (the proof reads one by id). */
  readonly applicationIds: Record<string, string> = {};

  constructor(readonly cfg: TenantConfig) {
    this.progress = { tenantId: cfg.tenant.id, phase: 'preflight', startedAt: now(), steps: [], remindersSent: 0, missingAssignments: [] };
  }

  snapshot(): OnboardingProgress {
    return { ...this.progress, steps: [...this.saga.steps.values()] };
  }

  setPhase(phase: Phase): void {
    this.progress.phase = phase;
    upsertSearchAttributes([{ key: ONBOARDING_PHASE, value: phase }]);
  }

  /** A step that creates nothing (a check, a read, an update of what exists). */
  check<T>(step: { key: string; title: string }, run: () => Promise<T>): Promise<T> {
    return this.saga.track(this.declared(step), run);
  }

  declared(step: { key: string; title: string }): StepProgress {
    this.saga.declare(step.key, step.title);
    return this.saga.steps.get(step.key)!;
  }

  /**
   * Converges one resource of the catalogue; its undo is registered unless the plan saw it before the run.
   * `run` is given what the plan found about the resource, so the step's first attempt need not look again.
   */
  async resource<K extends KindName>(kind: K, item: ItemOf<K>, run: (finding?: PlanFinding) => Promise<StepResult>, opts: ResourceOptions = {}): Promise<StepResult> {
    const row = CATALOGUE[kind] as ResourceKind<ItemOf<K>>;
    const key = row.key(item);
    const finding = findingOf(this.planByKey.get(key));
    const target = (r?: StepResult): UndoTarget => ({ key, id: r?.id, name: opts.identity ?? row.identity(this.cfg, item), parents: opts.parents as Record<string, string>, facts: r?.facts });
    const title = row.title(this.cfg, item);
    const result = await this.saga.step(
      key,
      title,
      () => run(finding),
      (r) => removeResource(this.cfg, this.anypoint, { kind, target: target(r) }),
      (previous) => restoreResource(this.cfg, this.anypoint, { kind, target: { ...target(), id: this.planByKey.get(key)?.id } }, previous),
    );
    if (result.outcome === 'created') this.remember(kind, title, target(result));
    return result;
  }

  remember(kind: KindName, title: string, target: UndoTarget): void {
    this.created.set(target.key, { kind, title, target, system: CATALOGUE[kind].system, createdAt: now(), createdBy: workflowInfo().runId });
  }

  /** What the run leaves behind for the tenant record: created and not undone (an undo that failed leaves it). */
  createdAndKept(): RecordedResource[] {
    const undone = (key: string) => this.saga.steps.get(key)?.state === 'compensated';
    return [...this.created.values()].filter((r) => !undone(r.target.key) && !(r.kind === 'registeredClient' && undone(CATALOGUE.application.key(r.target.name ?? ''))));
  }

  async oktaAuthorizationServer(cfg: OktaTenantConfig): Promise<StepResult> {
    const server = await this.resource('authorizationServer', null, (f) => act.ensureAuthorizationServer(cfg, f));
    await this.authorizationServerChildren(cfg, server);
    return server;
  }

  /**
   * Scopes, then the access policy and its rule. `groups`, when given, is awaited before the rule,
   * whose conditions name the groups: the rule then takes their ids instead of looking them up.
   */
  async authorizationServerChildren(cfg: OktaTenantConfig, server: StepResult, groups?: Promise<unknown>): Promise<void> {
    const parents = { authServerId: server.id };
    await allSettled(CATALOGUE.scope.select(cfg).map((name) => this.resource('scope', name, (f) => act.ensureScope(cfg, server.id, name, f), { parents })));
    // Policies and rules are created one after the other: Okta fails parallel same-priority writes.
    const policy = await this.resource('accessPolicy', null, (f) => act.ensureAccessPolicy(cfg, server.id, f), { parents });
    this.accessPolicyId = policy.id;
    if (groups) await groups;
    const groupIds = groups ? this.groupIds : undefined;
    await this.resource('policyRule', null, (f) => act.ensurePolicyRule(cfg, server.id, policy.id, f, groupIds), { parents: { ...parents, policyId: policy.id } });
  }

  /** The rules for groups of people (tiers): after the groups and the first rule exist, one after the other like it. */
  async oktaGroupRules(cfg: OktaTenantConfig, authServerId: string): Promise<void> {
    const policyId = this.accessPolicyId!;
    for (const name of CATALOGUE.groupRule.select(cfg)) {
      await this.resource('groupRule', name, (f) => act.ensureGroupRule(cfg, authServerId, policyId, name, f, this.groupIds), { parents: { authServerId, policyId } });
    }
  }

  /** One group of the tenant file; its id is kept for the steps that name it. */
  async group(cfg: OktaTenantConfig, name: string): Promise<StepResult> {
    const group = await this.resource('group', name, (f) => act.ensureGroup(cfg, name, f));
    this.groupIds[name] = group.id;
    return group;
  }

  async singleSignOn(cfg: OktaTenantConfig, endpoints: OktaEndpoints, sso: StepResult): Promise<void> {
    const idp = await this.resource('identityProvider', null, (f) => act.ensureIdentityProvider(cfg, this.anypoint!, endpoints, sso.id, f));
    const redirectUri = idp.facts?.redirectUri;
    if (!redirectUri) throw ApplicationFailure.nonRetryable('Anypoint did not return a redirect URI for the identity provider.', 'MissingRedirectUri');
    // An update of the SSO app: undone together with the app when this run created it.
    await this.check(CHECKS.ssoRedirectUri, () => act.setSsoRedirectUri(cfg, sso.id, redirectUri));
    this.progress.ssoSignInUrl = `${cfg.anypoint.baseUrl}/login/domain/${this.anypoint!.orgDomain}`;
  }

  async clientApplication(apiId: string, name: string, groups: string[]): Promise<void> {
    const { cfg } = this;
    const app = await this.resource('application', name, (f) => act.ensureClientApplication(cfg, this.anypoint!, apiId, name, f));
    this.applicationIds[name] = app.id;
    const clientId = app.facts?.clientId;
    if (!clientId) throw ApplicationFailure.nonRetryable(`Anypoint returned no client id for application "${name}".`, 'MissingClientId');
    if (cfg.okta && app.outcome === 'created') this.remember('registeredClient', CATALOGUE.registeredClient.title(cfg, name), { key: CATALOGUE.registeredClient.key(name), id: clientId, name });
    if (!cfg.okta) await this.providerClient(name, clientId, app.outcome === 'created');
    this.registered.push({ applicationName: name, clientId, groups });
    const contract = this.resource('contract', name, (f) => act.ensureContract(cfg, this.anypoint!, apiId, app.id, f), { parents: { apiId }, identity: app.id });
    const assigned = this.assignsEarly
      ? this.groupsSettled.then(() => allSettled(groups.map((group) => this.assignGroup('clientAssignment', { application: name, group }, clientId, group))))
      : undefined;
    await allSettled([contract, assigned]);
  }

  /**
   * The client Anypoint registered at the RFC 7591 provider, as a step of its own: nothing to run (Anypoint
   * did it), but a resource this run created, whose undo says it is left there (see reportProviderClientLeft).
   */
  private async providerClient(application: string, clientId: string, created: boolean): Promise<void> {
    const row = CATALOGUE.providerClient;
    const key = row.key(application);
    const title = row.title(this.cfg, application);
    const target: UndoTarget = { key, id: clientId, name: application };
    if (!created) {
      await this.check({ key, title }, async () => ({ outcome: 'unchanged' as const, id: clientId }));
      return;
    }
    await this.saga.step(key, title, async () => ({ outcome: 'created' as const, id: clientId }), () => removeResource(this.cfg, this.anypoint, { kind: 'providerClient', target }));
    this.remember('providerClient', title, target);
  }

  assignGroup(kind: 'ssoAssignment' | 'clientAssignment', item: ItemOf<'ssoAssignment'> | ItemOf<'clientAssignment'>, appId: string, group: string): Promise<StepResult> {
    const cfg = this.cfg as OktaTenantConfig;
    // The group's id when its step ran in this run (Everyone and groups outside the file are looked up).
    const run = (f?: PlanFinding) => act.assignGroupToClient(cfg, appId, group, f, this.groupIds[group]);
    const opts = { parents: { clientId: appId } };
    return kind === 'ssoAssignment' ? this.resource('ssoAssignment', item as string, run, opts) : this.resource('clientAssignment', item as ItemOf<'clientAssignment'>, run, opts);
  }

  /** Auto mode assigns the groups itself; manual mode waits for a person, reminding, until the deadline. */
  async groupAssignment(): Promise<void> {
    const { cfg } = this;
    if (this.registered.length === 0) return;
    if (!cfg.okta) return this.accessConfirmation();
    if (cfg.assignment.mode === 'auto') {
      this.setPhase('assigning');
      // Already assigned, each client's as soon as it was registered (see EARLY_ASSIGNMENTS_PATCH).
      if (this.assignsEarly) return;
      for (const client of this.registered) {
        for (const group of client.groups) await this.assignGroup('clientAssignment', { application: client.applicationName, group }, client.clientId, group);
      }
      return;
    }
    const waiting = this.declared(CHECKS.approval);
    const missing = await act.checkGroupAssignments(cfg, this.registered);
    this.noteMissing(missing);
    if (missing.length === 0) {
      waiting.state = 'done';
      waiting.outcome = 'unchanged';
      return;
    }
    await this.waitForApproval(waiting, 'Okta group assignment');
  }

  /**
   * At an RFC 7591 provider there are no groups to check: in manual mode a person confirms the access of the
   * clients this run registered (one registered before was confirmed then), with the same reminders and deadline.
   */
  private async accessConfirmation(): Promise<void> {
    const { cfg, progress } = this;
    if (cfg.assignment.mode === 'auto') return;
    const newlyRegistered = this.registered.filter((c) => this.created.has(CATALOGUE.providerClient.key(c.applicationName)));
    if (newlyRegistered.length === 0) return;
    const waiting = this.declared(CHECKS.accessConfirmation);
    progress.missingAssignments = newlyRegistered.map((c) => `${c.applicationName} (${c.clientId}) → access confirmed by a person`);
    await this.waitForApproval(waiting, 'access of the clients registered at the provider');
  }

  /** What the last assignment check found missing, as text (CLI, reminders) and as data (the console). */
  noteMissing(missing: MissingAssignment[]): void {
    this.progress.missingAssignments = missing.map((m) => `${m.applicationName} (${m.clientId}) → ${m.group}`);
    this.progress.missing = missing;
  }

  private async waitForApproval(waiting: StepProgress, what: string): Promise<void> {
    const { cfg, progress } = this;
    if (cfg.assignment.mode !== 'manual') return;
    this.setPhase('awaiting-assignment');
    const { deadline: deadlineText, reminderEvery } = cfg.assignment;
    await this.saga.track(waiting, async () => {
      const deadline = Date.now() + msOf(deadlineText);
      progress.deadline = new Date(deadline).toISOString();
      const every = msOf(reminderEvery);
      while (!this.approval) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw ApplicationFailure.create({
            type: 'AssignmentDeadline',
            nonRetryable: true,
            message: `Nobody confirmed the ${what} before the deadline (${deadlineText}). Still missing: ${progress.missingAssignments.join('; ')}.`,
          });
        }
        if (await condition(() => this.approval !== undefined, Math.min(every, left))) break;
        if (Date.now() < deadline) {
          progress.remindersSent++;
          await act.remindApprover(cfg, { workflowId: workflowInfo().workflowId, missing: progress.missingAssignments, reminder: progress.remindersSent, deadline: new Date(deadline).toISOString() });
        }
      }
      return { outcome: 'unchanged' as const, id: this.approval?.approver ?? '' };
    });
  }
}

/** What a step may take from the plan entry of its resource: ids and facts, nothing secret; nothing for a conflict. */
function findingOf(entry: PlanEntry | undefined): PlanFinding | undefined {
  if (!entry || entry.action === 'conflict') return undefined;
  return { action: entry.action, ...(entry.id !== undefined ? { id: entry.id } : {}), ...(entry.facts ? { facts: entry.facts } : {}) };
}
