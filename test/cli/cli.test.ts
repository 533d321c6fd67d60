import { execFile, spawn } from 'node:child_process';
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

  /**
   * The CLI on a terminal: `script` gives it a pseudo-terminal on both ends; `answer` is typed once
   * the confirmation prompt shows.
   */
  const cliOnTerminal = (args: string[], answer: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    new Promise((done) => {
      // A terminal as a user has it: Node turns colour off for CI=…, NO_COLOR, NODE_DISABLE_COLORS and
      // FORCE_COLOR=0, which a CI machine may set for the test run itself.
      const { CI: _ci, NO_COLOR: _noColor, NODE_DISABLE_COLORS: _disabled, FORCE_COLOR: _force, ...userEnv } = cliEnv;
      const child = spawn('script', ['-qec', [TSX, 'src/client.ts', ...args].join(' '), '/dev/null'], { cwd: ROOT, env: { ...userEnv, TERM: 'xterm-256color', ...extraEnv } });
      let stdout = '';
      let answered = false;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!answered && stdout.includes("Only 'yes' starts it")) {
          answered = true;
          child.stdin.write(`${answer}\n`);
        }
      });
      child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr: '' }));
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

  it('a cancel rolls back what the run created and ends the run CANCELED in Temporal with its reason kept; a second cancel says it is already cancelled', async () => {
    expect((await cli('start', good)).code).toBe(0); // no terminal: no question asked
    const waiting = await cli('status', tenantId, '--watch');
    expect(waiting.stdout).toContain('Waiting for the Okta group assignment');

    const cancel = await cli('cancel', tenantId, '--reason', 'wrong tenant', '--by', 'grace');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Cancelled ${tenantId}: wrong tenant (by grace)`);
    // Steps run as their data allow, so the reverse order varies; the server is among them.
    expect(cancel.stdout).toMatch(/Rolled back \d+ step\(s\):\n( {4}↺ .+\n)* {4}↺ Okta authorization server/);
    expect(cancel.stdout + cancel.stderr).not.toMatch(/CancelledFailure|\n\s+at .*:\d+:\d+/); // no SDK words, no stack trace
    const description = await env.client.workflow.getHandle(`onboarding-${tenantId}`).describe();
    expect(description.status.name).toBe('CANCELLED');

    const again = await cli('cancel', tenantId, '--reason', 'twice');
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^error \[ALREADY_CANCELLED\]: The onboarding of .* is already cancelled/);

    // The status of the closed run comes from the tenant record: rolled-back steps do not read "created".
    const status = await cli('status', tenantId);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain(`Tenant ${tenantId}: cancelled`);
    expect(status.stdout).toContain('Cancelled: wrong tenant (by grace)');
    expect(status.stdout).toMatch(/↺ Okta group "silverSubscribers" rolled back \(the run had created it\)/);
    expect(status.stdout).not.toMatch(/↺ .* created \[/);
    const audit = JSON.parse((await cli('audit', tenantId, '--json')).stdout);
    expect(audit.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'run', run: expect.objectContaining({ outcome: 'cancelled', error: 'cancelled: wrong tenant (by grace)' }) })]));
  });

  it('on a terminal, start shows the plan in colour and asks; anything but "yes" starts nothing; NO_COLOR has no colour', async () => {
    const declined = await cliOnTerminal(['start', good], 'no');
    expect(declined.code).toBe(3);
    expect(declined.stdout).toContain(`Plan for ${tenantId}: `);
    expect(declined.stdout).toContain('\x1b[32m+ create'); // green
    expect(declined.stdout).toContain('Not started: nothing was changed.');
    const runs = JSON.parse((await cli('history', tenantId, '--json')).stdout);
    expect(runs).toHaveLength(1); // still only the cancelled run

    const plain = await cliOnTerminal(['start', good, '--dry-run'], '', { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('+ create');
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).not.toContain("Only 'yes'"); // a dry run never asks
  });

  it('plans, starts, waits for the assignment, refuses an early approval, completes, and audits', async () => {
    const plan = await cli('start', good, '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`^Plan for ${tenantId}: \\d+ to create, 1 to update, 1 unchanged`)); // the Exchange asset is already there
    expect(plan.stdout).not.toContain('\x1b['); // piped: no colour
    // Every step the run takes, the write-back, the pause and the proof included, with what a create sets.
    expect(plan.stdout).toMatch(/\+ create {3}Okta authorization server "[^"]+"\n {8}name +=/);
    expect(plan.stdout).toMatch(/~ update {3}Anypoint redirect URI written into the Okta SSO app\n {8}redirect_uris = \["http:\/\/localhost\/pending-anypoint-redirect"\] → \(known after apply\)/);
    expect(plan.stdout).toContain('> wait     Manual Okta group assignment confirmed');
    expect(plan.stdout).toContain('> check    Proof: token, introspection, gateway 401/200/403');
    const planned = JSON.parse((await cli('start', good, '--dry-run', '-o', 'json')).stdout);
    expect(planned.totals).toMatchObject({ update: 1, unchanged: 1, conflict: 0 });
    // Plans run under a type of their own and an id of each dry run's own, so a list filters them out in one
    // clause (the CLI also asks the server to delete each plan's run once read; the server does it in the background).
    const rows = async (query: string) => (await env.client.workflowService.listWorkflowExecutions({ namespace: env.client.options.namespace, query })).executions ?? [];
    const plans = await rows(`WorkflowType = 'planTenant' AND WorkflowId STARTS_WITH 'plan-${tenantId}'`);
    for (const p of plans) expect(p.execution?.workflowId).toMatch(new RegExp(`^plan-${tenantId}-[0-9a-f]{8}$`));
    expect(await rows(`WorkflowType != 'planTenant' AND WorkflowId STARTS_WITH 'plan-${tenantId}'`)).toEqual([]);
    // Two dry runs of one tenant at once, of two different files: each gets its own file's plan.
    const renamed = tenantFile('renamed.tenant.yaml', (doc) => (doc.okta.groups[0].description = 'Renamed for this plan only'));
    const [ofGood, ofRenamed] = await Promise.all([cli('start', good, '--dry-run', '-o', 'json'), cli('start', renamed, '--dry-run', '-o', 'json')]);
    expect(JSON.stringify(JSON.parse(ofGood.stdout))).not.toContain('Renamed for this plan only');
    expect(JSON.stringify(JSON.parse(ofRenamed.stdout))).toContain('Renamed for this plan only');

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
    // The run's totals are the plan's.
    expect(done.stdout).toContain(`Result: ${planned.totals.create} created, 1 updated, 1 unchanged`);
    expect(done.stdout).toMatch(/✓ GET \/planets without a token → 401/);
    expect(done.stdout).toMatch(/✓ GET \/planets with the token → 200/);

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
    expect(JSON.parse((await cli('audit', tenantId, '-o', 'json')).stdout)).toMatchObject({ tenantId, status: 'active' }); // -o json, as every verb
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

  it('the plan of a changed tenant is a diff: marks, old → new, and totals equal to what the run then reports', async () => {
    const changed = tenantFile('changed.tenant.yaml', (doc) => {
      doc.okta.scopes.find((x: { name: string }) => x.name === 'silver').description = 'Silver, reworded';
      doc.okta.groups.find((g: { name: string }) => g.name === 'goldSubscribers').description = 'Gold, reworded';
    });
    const plan = await cli('start', changed, '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Plan for \S+: 0 to create, 2 to update, \d+ unchanged/);
    const totals = /^Plan for \S+: 0 to create, 2 to update, (\d+) unchanged/.exec(plan.stdout);
    expect(plan.stdout).toMatch(/~ update {3}Okta scope "silver" \[\w+\]\n {8}description = "[^"]+" → "Silver, reworded"/);
    expect(plan.stdout).toMatch(/~ update {3}Okta group "goldSubscribers" \[\w+\]\n {8}description = "[^"]*" → "Gold, reworded"/);
    expect(plan.stdout).toMatch(/= leave {4}Okta group "silverSubscribers" \[\w+\]/);
    expect(plan.stdout).toMatch(/= leave {4}Anypoint redirect URI written into the Okta SSO app/);

    const started = await cli('start', changed, '--yes');
    expect(started.code).toBe(0);
    const done = await cli('status', tenantId, '--watch');
    expect(done.stdout).toContain(`Tenant ${tenantId}: completed`);
    expect(done.stdout).toContain(`Result: 0 created, 2 updated, ${totals![1]} unchanged`);

    // history --limit: the newest run only; older ones are counted.
    const limited = await cli('history', tenantId, '--limit', '1');
    expect(limited.stdout.match(/^Run /gm)).toHaveLength(1);
    expect(limited.stdout).toMatch(/\(\d+ older run\(s\) not shown/);
    expect(JSON.parse((await cli('history', tenantId, '-n', '2', '--output', 'json')).stdout)).toHaveLength(2);
  });

  it('follows conventions: usage errors exit 2, errors are JSON under --json, -o json is --json, a tenant id typo gets a did-you-mean', async () => {
    const usage = await cli('start');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'tenant.yaml'");
    expect((await cli('status', tenantId, '--colour')).code).toBe(2);
    expect((await cli('history', tenantId, '--limit', 'none')).code).toBe(2);

    const jsonUsage = await cli('start', '--json');
    expect(jsonUsage.code).toBe(2);
    expect(JSON.parse(jsonUsage.stderr)).toEqual({ error: { code: 'USAGE', exitCode: 2, message: "missing required argument 'tenant.yaml'" } });
    const missing = await cli('status', 'no-such-tenant', '-o', 'json');
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', exitCode: 4, message: 'No onboarding run found for tenant no-such-tenant.' } });
    const list = await cli('--output', 'json', 'list');
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ tenantId })]));

    const typo = await cli('status', tenantId.slice(0, -1));
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain(`Did you mean ${tenantId}?`);
    expect(JSON.parse((await cli('status', `${tenantId}x`, '--json')).stderr).error.details).toMatchObject({ didYouMean: tenantId });

    // validate reads the file only; a misspelt field is named with the spelling meant.
    const misspelt = tenantFile('misspelt.tenant.yaml', (doc) => {
      doc.anypoint.enviroment = doc.anypoint.environment;
      delete doc.anypoint.environment;
    });
    const invalid = await cli('validate', misspelt);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/anypoint\.environment \(line \d+\): unknown field enviroment: did you mean environment\?\n {6}fix: rename enviroment to environment/);
    const valid = await cli('validate', good, '--json');
    expect(JSON.parse(valid.stdout)).toMatchObject({ valid: true, tenantId, identityProvider: 'okta' });
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
