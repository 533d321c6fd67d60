import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client, ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OktaClient } from '../../src/clients/okta';
import { oktaTenant, type TenantConfig } from '../../src/config/tenant';
import { checkDriftNow, confirmOffboarding, readRecord, scheduleDrift, startOffboarding } from '../../src/cli/lifecycle';
import { CliError, planDryRun, startOnboarding } from '../../src/cli/operations';
import { planView, renderPlan } from '../../src/cli/plan-view';
import { createDataConverter } from '../../src/temporal/data-converter';
import { driftScheduleIdFor } from '../../src/workflows/ids';
import type { OnboardingProgress } from '../../src/workflows/messages';
import type { DriftReport } from '../../src/workflows/tenant-record';
import { contentInventoryOf, inventoryDiff, inventoryOf, secretsOf } from '../support/inventory';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';

/*
 * Drift and adoption on the sandboxes and a real Temporal server: the tenant's drift Schedule (a real
 * Schedule, triggered rather than waited for) notices a console-style change, reports it to the
 * tenant record and a webhook, and a --fix run converges it; a differing resource the tenant neither
 * created nor adopted stops the run before any write; an adopted one that a failed run updated is
 * restored by the rollback.
 */

const REFUSED = 400;

describe('drift and adopt on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let okta: OktaClient;
  let webhook: Server;
  const posts: Record<string, unknown>[] = [];
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    process.env.DRIFT_TEST_WEBHOOK = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/drift`;
  });
  afterAll(async () => {
    await new Promise((r) => webhook?.close(r));
    await okta?.close();
    await stack?.close();
    await env?.teardown();
  });
  beforeEach(async () => {
    posts.length = 0;
    await stack.okta.reset();
    await stack.anypoint.reset();
  });

  /** The example tenant under an id of its own (each test has a record and a schedule of its own). */
  const tenantOf = (mutate: (cfg: TenantConfig) => TenantConfig = (c) => c) =>
    stack.tenant((cfg) => mutate({ ...cfg, tenant: { ...cfg.tenant, id: uniqueId('drift').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));

  async function nextDriftReport(tenantId: string, after?: string): Promise<DriftReport> {
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const report = (await readRecord(stack.client, tenantId))?.lastDrift;
      // The check ends after its notification, which follows the record's update.
      if (report && report.runId !== after) return stack.client.workflow.getHandle(report.workflowId, report.runId).result() as Promise<DriftReport>;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no drift report of ${tenantId} after ${after}`);
  }

  it('a Schedule per tenant reports a console change to the record and the webhook; --fix converges it; the offboarding removes the schedule', async () => {
    const cfg = tenantOf((c) => ({ ...c, assignment: { mode: 'auto' }, lifecycle: { driftCheckEvery: '1h', notificationWebhook: { env: 'DRIFT_TEST_WEBHOOK' } } }));
    const id = cfg.tenant.id;
    const schedule = stack.client.schedule.getHandle(driftScheduleIdFor(id));
    await (await stack.worker()).runUntil(async () => {
      const onboarded = await startOnboarding(stack.client, stack.taskQueue, cfg);
      await stack.client.workflow.getHandle(onboarded.workflowId).result();

      // The completed onboarding wrote the schedule: hourly, overlaps skipped, this tenant's config.
      const described = await schedule.describe();
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'checkDrift', taskQueue: stack.taskQueue, args: [{ tenant: { tenant: { id } } }] });

      // Right after the onboarding: clean, and nothing to notify.
      await schedule.trigger();
      const first = await nextDriftReport(id);
      expect(first).toMatchObject({ clean: true, differences: [], missing: [], oktaToken: { valid: true } });
      expect(posts).toEqual([]);

      // Console-style changes through Okta's management API: a scope's description, a deleted policy.
      const server = (await okta.findAuthorizationServerByName('solar-system'))!;
      const silver = (await okta.findScopeByName(server.id!, 'silver'))!;
      await okta.replaceScope(server.id!, silver.id!, { ...silver, name: 'silver', description: 'changed in the console' });
      const policy = (await okta.findPolicyByName(server.id!, oktaTenant(cfg).okta.accessPolicy.name))!;
      await okta.deletePolicy(server.id!, policy.id!);

      await schedule.trigger();
      const drifted = await nextDriftReport(id, first.runId);
      expect(drifted.clean).toBe(false);
      expect(drifted.differences).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'okta.scope:silver', action: 'update', changes: ['description'] }),
          expect.objectContaining({ key: 'okta.accessPolicy', action: 'create' }),
          expect.objectContaining({ key: 'okta.policyRule', action: 'create' }),
        ]),
      );
      // The deleted policy took its rules with it: the first and the group (tier) rules.
      expect(drifted.missing.map((m) => m.key).sort()).toEqual(['okta.accessPolicy', 'okta.groupRule:Anypoint sign-in', 'okta.groupRule:Gold tier', 'okta.groupRule:Silver tier', 'okta.policyRule']);
      // The webhook got the report, by reference from the tenant file.
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({ type: 'drift', tenantId: id, clean: false, runId: drifted.runId });
      expect(String(posts[0].text)).toMatch(/Drift detected .* 6 difference\(s\), 5 missing resource\(s\)/);
      // The record keeps it as an event (the clean first report was a change of findings too).
      const record = (await readRecord(stack.client, id))!;
      expect(record.events.filter((e) => e.type === 'drift').map((e) => (e.type === 'drift' ? e.report.runId : ''))).toEqual([first.runId, drifted.runId]);

      // A changed tenant file that no longer validates never reaches the schedule.
      const refused = await scheduleDrift(stack.client, stack.taskQueue, { ...cfg, lifecycle: { driftCheckEvery: '10s' } }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CliError);
      expect(refused).toMatchObject({ exitCode: 2, code: 'SCHEDULE_REFUSED' });
      expect((refused as Error).message).toMatch(/lifecycle\.driftCheckEvery: must be at least 1m/);
      expect((await schedule.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);

      // A schedule written under a codec key this process does not have is written anew, not left stale.
      const otherKey = new Client({ connection: env.connection, dataConverter: createDataConverter({ ONBOARDING_CODEC_KEY: randomBytes(32).toString('base64') }) });
      expect(await scheduleDrift(otherKey, stack.taskQueue, cfg)).toEqual({ scheduleId: driftScheduleIdFor(id), created: false });
      expect(await scheduleDrift(stack.client, stack.taskQueue, cfg)).toEqual({ scheduleId: driftScheduleIdFor(id), created: false });
      expect((await schedule.describe()).action).toMatchObject({ args: [{ tenant: { tenant: { id } } }] });

      // --fix is a normal onboarding run: the scope is the tenant's own (the record says so), so it is updated.
      const fix = await startOnboarding(stack.client, stack.taskQueue, cfg);
      await stack.client.workflow.getHandle(fix.workflowId, fix.runId).result();
      await schedule.trigger();
      const fixed = await nextDriftReport(id, drifted.runId);
      expect(fixed).toMatchObject({ clean: true, differences: [], missing: [] });
      expect(posts.map((p) => p.clean)).toEqual([false, true]);
      expect(String(posts[1].text)).toMatch(/resolved/);

      // No secret in the drift runs' history nor in what the webhook received.
      const secrets = secretsOf(await stack.state());
      for (const report of [drifted, fixed]) {
        // A Schedule appends the scheduled time to the workflow id it starts.
        expect(report.workflowId.startsWith(`drift-check-${id}-`)).toBe(true);
        const raw = JSON.stringify(await stack.client.workflow.getHandle(report.workflowId, report.runId).fetchHistory());
        for (const secret of secrets) expect(raw).not.toContain(secret);
      }
      for (const secret of secrets) expect(JSON.stringify(posts)).not.toContain(secret);

      await startOffboarding(stack.client, stack.taskQueue, cfg);
      const offboarded = await confirmOffboarding(stack.client, id, 'grace');
      expect(offboarded.phase).toBe('completed');
    });
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('drift --now reports an Okta API token that no longer works (the one the client provider registers with), without its value', async () => {
    process.env.DRIFT_TEST_REVOKED_TOKEN = '00revoked-token-drift-test';
    const cfg = tenantOf((c) => ({ ...oktaTenant(c), okta: { ...oktaTenant(c).okta, apiToken: { env: 'DRIFT_TEST_REVOKED_TOKEN' } }, lifecycle: { driftCheckEvery: '1h', notificationWebhook: { env: 'DRIFT_TEST_WEBHOOK' } } }));
    const report = await (await stack.worker()).runUntil(() => checkDriftNow(stack.client, stack.taskQueue, cfg));
    expect(report).toMatchObject({ clean: false, oktaToken: { valid: false }, differences: [] });
    expect(report.error).toBeUndefined();
    expect(report.oktaToken.error).toMatch(/token/i);
    expect(JSON.stringify(report)).not.toContain(process.env.DRIFT_TEST_REVOKED_TOKEN);
    expect(posts).toEqual([expect.objectContaining({ clean: false, oktaToken: report.oktaToken })]);
    expect(String(posts[0].text)).toMatch(/the Okta API token does not work/);
  });

  /** Runs an onboarding that must fail; returns its progress and failure. */
  async function runToFailure(cfg: TenantConfig): Promise<{ failure: ApplicationFailure; progress: OnboardingProgress }> {
    const err = await (await stack.worker()).runUntil(async () => (await stack.start(cfg)).result().then(() => new Error('the run completed'), (e: unknown) => e));
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    return { failure, progress: failure.details?.[0] as OnboardingProgress };
  }

  it('a differing same-named group, neither adopted nor created by the tenant, is a conflict: the plan says so and the run refuses before any write', async () => {
    const theirs = await okta.createGroup({ name: 'goldSubscribers', description: 'Owned by another team' });
    const cfg = tenantOf();
    const before = inventoryOf(await stack.state());

    const plan = await (await stack.worker()).runUntil(() => planDryRun(stack.client, stack.taskQueue, cfg));
    const gold = plan.entries.find((e) => e.key === 'okta.group:goldSubscribers')!;
    expect(gold).toMatchObject({ action: 'conflict', id: theirs.id, changes: ['description'] });
    expect(gold.fix).toContain(`adopt: { 'okta.group:goldSubscribers': '${theirs.id}' }`);
    expect(renderPlan(planView(cfg, plan))).toMatch(/1 in CONFLICT/);

    const { failure, progress } = await runToFailure(cfg);
    expect(failure.message).toMatch(/Refused before any write: Okta group "goldSubscribers" .* Fix: adopt it/);
    expect(progress.compensation).toEqual({ undone: [], failed: [] });
    expect(progress.steps.filter((s) => s.outcome === 'created' || s.outcome === 'updated')).toEqual([]);
    expect(inventoryOf(await stack.state())).toEqual(before);

    // Adopted by id, the same group plans as an update (and is never deleted).
    const adopted = await (await stack.worker()).runUntil(() => planDryRun(stack.client, stack.taskQueue, { ...cfg, adopt: { 'okta.group:goldSubscribers': theirs.id! } }));
    expect(adopted.entries.find((e) => e.key === 'okta.group:goldSubscribers')).toMatchObject({ action: 'update', id: theirs.id, previous: { name: 'goldSubscribers', description: 'Owned by another team' } });
  });

  it('an adopted group is used and updated; when the run later fails, the rollback restores its previous values', async () => {
    const theirs = await okta.createGroup({ name: 'goldSubscribers', description: 'Owned by another team' });
    const cfg = tenantOf((c) => ({ ...c, adopt: { 'okta.group:goldSubscribers': 'goldSubscribers' } }));
    const stateBefore = await stack.state();
    await stack.anypoint.addFault({ kind: 'error', status: REFUSED, method: 'POST', path: '/identityProviders$' });

    const { failure, progress } = await runToFailure(cfg);
    await stack.anypoint.clearFaults();
    expect(failure.message).toMatch(/identity provider/i);
    // The run used the adopted group and changed it as the file asks…
    expect(progress.steps.find((s) => s.key === 'okta.group:goldSubscribers')).toMatchObject({ outcome: 'updated', resourceId: theirs.id, state: 'compensated' });
    expect(progress.compensation?.failed).toEqual([]);
    expect(progress.compensation?.undone).toContain('okta.group:goldSubscribers');

    // …and the rollback put back every value (Okta stamps lastUpdated on any write; nothing else differs).
    const after = await stack.state();
    const group = Object.values(after.okta.groups).find((g) => g.id === theirs.id)!;
    expect(group.profile).toEqual({ name: 'goldSubscribers', description: 'Owned by another team' });
    expect(inventoryDiff(inventoryOf(stateBefore), inventoryOf(after))).toEqual({ added: [], removed: [], changed: ['okta.group:goldSubscribers'] });
    expect(contentInventoryOf(after)).toEqual(contentInventoryOf(stateBefore));
  });
});
