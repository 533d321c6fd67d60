import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { parse, stringify } from 'yaml';
import * as activities from '../../src/activities';
import { OktaClient } from '../../src/clients/okta';
import { startAllSandboxes, type AllSandboxes } from '../../src/sandbox';
import { SandboxAdminClient } from '../../src/sandbox/core';
import { sandboxSecretEnv } from '../../src/sandbox/tenant';
import { createDataConverter } from '../../src/temporal/data-converter';
import { EXAMPLE_TENANT } from '../support/onboarding-stack';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { getWorkflowBundle, startTestTemporal, uniqueTaskQueue } from '../support/temporal';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/*
 * The CLI as users run it: a child process per command, against a real Temporal server, a worker
 * with the real activities, and the sandboxes. Tenant files are the example, pointed at this test's
 * sandboxes, with a tenant id of its own.
 */
describe('the onboarding CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  const tenantId = `cli-${Date.now().toString(36)}`;
  let env: TestWorkflowEnvironment;
  let sandboxes: AllSandboxes;
  let cliEnv: NodeJS.ProcessEnv;
  let worker: Worker;
  let running: Promise<void>;
  let good: string;

  const cli = (...args: string[]): Promise<CliRun> =>
    new Promise((done) => {
      execFile(TSX, ['src/client.ts', ...args], { cwd: ROOT, env: cliEnv }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** The example tenant at these sandboxes, changed by `mutate` (on the YAML document) and written to a file. */
  function tenantFile(name: string, mutate: (doc: Record<string, any>) => void = () => undefined): string {
    const doc = parse(readFileSync(EXAMPLE_TENANT, 'utf8'));
    doc.tenant.id = tenantId;
    doc.okta.orgUrl = sandboxes.okta.url;
    doc.anypoint.baseUrl = sandboxes.anypoint.url;
    doc.anypoint.api.upstreamUrl = sandboxes.upstream.url;
    doc.anypoint.api.raml = resolve(ROOT, 'examples', doc.anypoint.api.raml);
    doc.verification.gatewayUrl = `${sandboxes.gateway.url}/${doc.anypoint.api.proxy.applicationName}`;
    mutate(doc);
    const file = join(dir, name);
    writeFileSync(file, stringify(doc));
    return file;
  }

  beforeAll(async () => {
    env = await startTestTemporal();
    sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    cliEnv = {
      ...process.env,
      ...sandboxSecretEnv(sandboxes),
      TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR],
      ONBOARDING_TASK_QUEUE: uniqueTaskQueue('cli'),
      ONBOARDING_CODEC_KEY: randomBytes(32).toString('base64'),
    };
    Object.assign(process.env, sandboxSecretEnv(sandboxes));
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: cliEnv.ONBOARDING_TASK_QUEUE!,
      workflowBundle: getWorkflowBundle('onboarding'),
      activities,
      dataConverter: createDataConverter(cliEnv),
    });
    running = worker.run();
    good = tenantFile('good.tenant.yaml');
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await sandboxes?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad tenant file before any write, naming each field and its fix', async () => {
    const bad = tenantFile('bad.tenant.yaml', (doc) => {
      doc.anypoint.api.policies[1].scopes = ['platinum'];
      doc.okta.apiToken = 'inline-token-value';
    });
    const before = [(await new SandboxAdminClient(sandboxes.okta.url).requests()).total, (await new SandboxAdminClient(sandboxes.anypoint.url).requests()).total];
    const run = await cli('start', bad);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/anypoint\.api\.policies\[1\]\.scopes\[0\] \(line \d+\): .*platinum/);
    expect(run.stderr).toMatch(/okta\.apiToken \(line \d+\):/);
    expect(run.stderr).toContain('fix:');
    expect(run.stderr).not.toContain('inline-token-value');
    const schedule = await cli('drift', bad, '--schedule');
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toMatch(/okta\.apiToken \(line \d+\):/);
    // Nothing was called and nothing was started.
    const after = [(await new SandboxAdminClient(sandboxes.okta.url).requests()).total, (await new SandboxAdminClient(sandboxes.anypoint.url).requests()).total];
    expect(after).toEqual(before);
    expect((await cli('status', tenantId)).code).toBe(4);
  });

  it('a dry run that preflight refuses says why and how to fix it (exit 3), not "Workflow execution failed"', async () => {
    const wrongEnv = tenantFile('wrong-env.tenant.yaml', (doc) => {
      doc.anypoint.environment = 'Sandbx';
    });
    const plan = await cli('start', wrongEnv, '--dry-run');
    expect(plan.code).toBe(3);
    expect(plan.stderr).toContain('PLAN_FAILED');
    expect(plan.stderr).toContain('Anypoint environment "Sandbx" does not exist');
    expect(plan.stderr).toContain('Fix: set anypoint.environment');
  });

  it('plans, starts, waits for the assignment, refuses an early approval, completes, and audits', async () => {
    const plan = await cli('start', good, '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Plan: \d+ to create, 0 to update, \d+ unchanged/);
    expect(plan.stdout).toContain('create   ');

    const started = await cli('start', good, '--json');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: `onboarding-${tenantId}`, existing: false });
    expect(started.stderr).toBe(''); // a worker polls: no warning
    const again = await cli('start', good);
    expect(again.stdout).toContain('is already running');

    const waiting = await cli('status', tenantId, '--watch');
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toContain('Waiting for the Okta group assignment');
    expect(waiting.stdout).toContain(`npm run cli -- approve ${tenantId} --by <your name>`);

    const early = await cli('approve', tenantId, '--by', 'ada');
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(/^error \[UPDATE_FAILED\]: .*silverSubscribers/);

    const okta = new OktaClient({ orgUrl: sandboxes.okta.url, apiToken: sandboxes.okta.apiToken });
    for (const [, client, group] of waiting.stdout.matchAll(/\((\w+)\) → (\w+)$/gm)) await okta.assignGroupToApp(client, (await okta.findGroupByName(group))!.id!);
    const clientId = /Solar System Silver \((\w+)\) → silverSubscribers/.exec(waiting.stdout)![1];
    const approved = await cli('approve', tenantId, '--by', 'ada', '--note', 'assigned in Okta');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('Approved by ada');

    const done = await cli('status', tenantId, '--watch');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`Tenant ${tenantId}: completed`);
    expect(done.stdout).toContain('Proof: passed');

    const history = JSON.parse((await cli('history', tenantId, '--json')).stdout);
    expect(history[0]).toMatchObject({ status: 'COMPLETED', progress: { phase: 'completed', approval: { approver: 'ada', note: 'assigned in Okta' } } });
    const list = JSON.parse((await cli('list', '--json')).stdout);
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ tenantId, status: 'COMPLETED', phase: 'completed' })]));

    // The completed run wrote the drift schedule; a check now finds nothing, and the record keeps its report.
    const now = await cli('drift', good, '--now');
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(new RegExp(`^Drift check of ${tenantId} at .*: clean`));
    const last = JSON.parse((await cli('drift', tenantId, '--json')).stdout);
    expect(last).toMatchObject({ tenantId, clean: true, oktaToken: { valid: true } });
    const rescheduled = JSON.parse((await cli('drift', good, '--schedule', '--json')).stdout);
    expect(rescheduled).toEqual({ scheduleId: `drift-${tenantId}`, created: false });

    // doctor: a table of passed checks, exit 0; --json carries the same rows.
    const doctor = await cli('doctor', good);
    expect(doctor.stdout).toMatch(new RegExp(`^Doctor of ${tenantId} at \\S+: healthy\n`));
    expect(doctor.stdout).toMatch(/✓ Token for Solar System Silver +granted/);
    expect(doctor.code).toBe(0);
    const doctorJson = JSON.parse((await cli('doctor', good, '--json')).stdout);
    expect(doctorJson).toMatchObject({ tenantId, healthy: true });
    expect(doctorJson.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
    expect((await cli('doctor', good, '--since', 'yesterday')).code).toBe(2);

    const cancel = await cli('cancel', tenantId, '--reason', 'too late');
    expect(cancel.code).toBe(3);
    expect(cancel.stderr).toContain('NOT_RUNNING');
    // An approval after the run ended says so, rather than "not found".
    const late = await cli('approve', tenantId, '--by', 'ada');
    expect(late.code).toBe(3);
    expect(late.stderr).toContain('NOT_WAITING');
    expect(late.stderr).toContain('ended (completed)');

    // The audit comes from the tenant record, in Markdown or JSON.
    const audit = await cli('audit', tenantId);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain(`# Audit of tenant ${tenantId}`);
    expect(audit.stdout).toContain('Approved by **ada** at');
    expect(JSON.parse((await cli('audit', tenantId, '--format', 'json')).stdout)).toMatchObject({ tenantId, status: 'active' });
    expect(JSON.parse((await cli('audit', tenantId, '--json')).stdout)).toMatchObject({ tenantId, status: 'active' });
    // The offboarding's removal list, read from the record without starting anything.
    const removals = await cli('offboard', good, '--dry-run');
    expect(removals.code).toBe(0);
    expect(removals.stdout).toMatch(/^Offboarding removes \d+ resource\(s\)/);
    expect(removals.stdout).toContain('Okta client registered by Anypoint for "Solar System Silver"');
    expect((await cli('offboard', good, '--confirm')).code).toBe(2);

    // Credentials come from Okta and Anypoint; secrets only when asked.
    const secret = await okta.getClientSecret(clientId);
    const hidden = await cli('credentials', good);
    expect(hidden.code).toBe(0);
    expect(hidden.stdout).toMatch(new RegExp(`Solar System Silver .* client id ${clientId} +secret hidden`));
    expect(hidden.stdout).not.toContain(secret);
    const shown = JSON.parse((await cli('credentials', good, '--show-secrets', '--json')).stdout);
    expect(shown).toEqual(expect.arrayContaining([{ purpose: 'consumer application', name: 'Solar System Silver', clientId, clientSecret: secret }]));
    await okta.close();
  });

  it('without a worker: a dry run is refused, a start warns (the run waits for one)', async () => {
    const idle = { ...cliEnv, ONBOARDING_TASK_QUEUE: uniqueTaskQueue('idle') };
    const run = (...args: string[]): Promise<CliRun> =>
      new Promise((done) => execFile(TSX, ['src/client.ts', ...args], { cwd: ROOT, env: idle }, (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));
    const file = tenantFile('idle.tenant.yaml', (doc) => (doc.tenant.id = `${tenantId}-idle`));
    const plan = await run('start', file, '--dry-run');
    expect(plan.code).toBe(3);
    expect(plan.stderr).toMatch(/^error \[NO_WORKER\]: Cannot plan: no worker is polling task queue "tq-idle-[^"]+": start one with npm run dev/);
    const started = await run('start', file);
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/^warning: no worker is polling task queue/);
    await env.client.workflow.getHandle(`onboarding-${tenantId}-idle`).terminate('test: no worker will ever run it');
  });

  it('says so, with exit code 4, for a tenant that was never onboarded', async () => {
    const run = await cli('status', 'no-such-tenant');
    expect(run.code).toBe(4);
    expect(run.stderr).toBe('error [NOT_FOUND]: No onboarding run found for tenant no-such-tenant.\n');
    expect((await cli('drift', 'no-such-tenant')).code).toBe(4);
    // doctor on a tenant never onboarded: exit 3, says so and how to onboard, touches neither platform.
    const requestsBefore = (await new SandboxAdminClient(sandboxes.okta.url).requests()).total;
    const doctor = await cli('doctor', tenantFile('never.tenant.yaml', (doc) => (doc.tenant.id = `${tenantId}-never`)));
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toContain('✗ Tenant record');
    expect(doctor.stdout).toContain('fix:   Onboard it first: npm run cli -- start <tenant.yaml>');
    expect((await new SandboxAdminClient(sandboxes.okta.url).requests()).total).toBe(requestsBefore);
  });
});
