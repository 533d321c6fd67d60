/**
 * `npx tsx scripts/record-histories.ts`: records onboarding histories as replay fixtures in
 * test/fixtures/histories/ (test/workflows/replay.test.ts replays them against the current code).
 * Runs the example tenant on fresh sandboxes and a dev server of its own: a completed run, a run
 * whose contract is refused (rolled back) and a run cancelled during the assignment pause.
 * Payloads are encrypted with the fixtures' committed test-only key; a fixture that would contain
 * any credential of the recording is not written.
 *
 * Fixtures are never re-recorded: name the new ones to record (`npx tsx scripts/record-histories.ts native-cancel`);
 * without names, only fixtures that do not exist yet are written.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import * as activities from '../src/activities';
import { OktaClient } from '../src/clients/okta';
import { loadTenantFile, type TenantConfig } from '../src/config/tenant';
import { startAllSandboxes } from '../src/sandbox';
import { SandboxAdminClient } from '../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../src/sandbox/tenant';
import { FAILURE_CONVERTER_PATH } from '../src/temporal/data-converter';
import type { onboardTenant } from '../src/workflows';
import { cancelOnboardingSignal, confirmGroupAssignmentUpdate, progressQuery, type OnboardingProgress } from '../src/workflows/messages';
import { EXAMPLE_TENANT } from '../test/support/onboarding-stack';
import { startTestTemporal } from '../test/support/temporal';
import { WORKFLOW_BUNDLES } from '../test/support/temporal-bundles';
import { fixtureDataConverter, HISTORIES_DIR, historyToFixtureJSON, RECORDING_SECRETS, SECRET_PATTERNS } from '../test/workflows/history-fixtures';

const TASK_QUEUE = 'record-histories';
const IDENTITY = 'history-recorder';

async function main(): Promise<void> {
  const sandboxes = await startAllSandboxes({
    ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 },
    oktaApiToken: RECORDING_SECRETS.oktaApiToken,
    anypointConnectedApp: { clientId: RECORDING_SECRETS.anypointClientId, clientSecret: RECORDING_SECRETS.anypointClientSecret },
  });
  Object.assign(process.env, sandboxSecretEnv(sandboxes));
  const env = await startTestTemporal({ isolated: true });
  const dataConverter = fixtureDataConverter();
  const client = new Client({ connection: env.connection, dataConverter, identity: IDENTITY });
  const okta = new OktaClient({ orgUrl: sandboxes.okta.url, apiToken: sandboxes.okta.apiToken });
  const admin = { okta: new SandboxAdminClient(sandboxes.okta.url), anypoint: new SandboxAdminClient(sandboxes.anypoint.url) };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOW_BUNDLES.onboarding.workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { code }, activities, dataConverter, identity: IDENTITY });
  const cfg = pointTenantAtSandboxes(loadTenantFile(EXAMPLE_TENANT), sandboxes);
  const secrets = new Set<string>(Object.values(RECORDING_SECRETS));

  const only = process.argv.slice(2);
  const record = async (workflowId: string, drive: (handle: WorkflowHandle<typeof onboardTenant>) => Promise<void>, tenant: TenantConfig = cfg) => {
    const file = join(HISTORIES_DIR, `${workflowId}.history.json`);
    if (only.length > 0 ? !only.includes(workflowId) : existsSync(file)) return;
    await admin.okta.reset();
    await admin.anypoint.reset();
    const handle = await client.workflow.start<typeof onboardTenant>('onboardTenant', { taskQueue: TASK_QUEUE, workflowId, args: [{ tenant }] });
    await drive(handle);
    const outcome = await handle.result().then(
      (r) => r.progress.phase,
      (e: Error) => `failed: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    );
    // Every credential the sandboxes handed out during this run (tokens, client secrets).
    for (const state of [await admin.okta.state(), await admin.anypoint.state()]) collectSecrets(state, secrets);
    await admin.okta.clearFaults();
    await admin.anypoint.clearFaults();
    const json = historyToFixtureJSON(await handle.fetchHistory());
    const leaked = [...secrets].filter((s) => json.includes(s));
    const patterns = SECRET_PATTERNS.filter((p) => p.test(json));
    if (leaked.length > 0 || patterns.length > 0) throw new Error(`${workflowId}: the history contains ${leaked.length} credential(s) in plaintext and matches ${patterns.join(', ')}; not written`);
    writeFileSync(file, json);
    console.log(`${workflowId}: ${outcome}`);
  };

  try {
    await worker.runUntil(async () => {
      const assignAndApprove = async (handle: WorkflowHandle<typeof onboardTenant>) => {
        const waiting = await waitForPhase(handle, 'awaiting-assignment');
        // Every assignment the run lists, as `<application> (<client id>) → <group>`.
        for (const line of waiting.missingAssignments) {
          const [, clientId, group] = /\((\w+)\) → (.+)$/.exec(line)!;
          await okta.assignGroupToApp(clientId, (await okta.findGroupByName(group))!.id!);
        }
        await handle.executeUpdate(confirmGroupAssignmentUpdate, { args: [{ approver: 'ada', note: 'assigned in Okta' }] });
      };
      await record('completed', assignAndApprove);
      // A completed run with its steps started as their data allow (the 'parallel-steps' patch).
      await record('parallel-steps', assignAndApprove);
      // A completed run that waited for a slot of its Okta org first and gave it back for the assignment pause (the 'org-admission' patch).
      await record('org-admission', assignAndApprove);
      // A completed run in auto mode: each client's groups assigned as soon as it was registered (the 'early-assignments' patch).
      await record('early-assignments', async () => undefined, { ...cfg, assignment: { mode: 'auto' } });
      await record('contract-refused', async () => {
        await admin.anypoint.addFault({ kind: 'error', status: 400, method: 'POST', path: '/apis/[^/]+/contracts$' });
      });
      await record('cancelled', async (handle) => {
        await waitForPhase(handle, 'awaiting-assignment');
        await handle.signal(cancelOnboardingSignal, { reason: 'wrong tenant', by: 'grace' });
      });
      // As the CLI cancels since the 'native-cancel' patch: the reason, then Temporal's cancellation request.
      await record('native-cancel', async (handle) => {
        await waitForPhase(handle, 'awaiting-assignment');
        await handle.signal(cancelOnboardingSignal, { reason: 'wrong tenant', by: 'grace' });
        await handle.cancel();
      });
    });
  } finally {
    await okta.close();
    await sandboxes.close();
    await env.teardown();
  }
}

async function waitForPhase(handle: WorkflowHandle, phase: string): Promise<OnboardingProgress> {
  for (;;) {
    const progress = await handle.query(progressQuery);
    if (progress.phase === phase) return progress;
    if (['completed', 'failed', 'cancelled'].includes(progress.phase)) throw new Error(`run ended in ${progress.phase} before ${phase}: ${progress.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function collectSecrets(value: unknown, into: Set<string>, key = ''): void {
  if (typeof value === 'string') {
    if (/secret|token|password/i.test(key) && value.length >= 8) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, into, key);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, into, k);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
