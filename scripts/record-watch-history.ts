/**
 * `npx tsx scripts/record-watch-history.ts <fixture name>`: records a consumer watcher (a request, a
 * reconfigure, a retirement, then stopped) as a replay fixture in test/fixtures/histories/, with its two
 * activities scripted here (what it does depends only on what they answer and when the signals come).
 * `watch-before-patches` was recorded with this script in a checkout of the shipped version (90e146b).
 * Fixtures are never re-recorded: give a new name.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { loadTenantFile } from '../src/config/tenant';
import { FAILURE_CONVERTER_PATH } from '../src/temporal/data-converter';
import { accessWatchQuery, reconfigureAccessWatchSignal, scanAccessNowSignal, stopAccessWatchSignal } from '../src/workflows/access';
import { EXAMPLE_TENANT } from '../test/support/onboarding-stack';
import { startTestTemporal } from '../test/support/temporal';
import { WORKFLOW_BUNDLES } from '../test/support/temporal-bundles';
import { fixtureDataConverter, HISTORIES_DIR, historyToFixtureJSON } from '../test/workflows/history-fixtures';

const LOCATION = { anypoint: { orgId: 'org-recorded', orgDomain: 'solar', environmentId: 'env-recorded' }, apiId: '4242' };
const CONTRACT = { contractId: '9000001', status: 'APPROVED', applicationId: '77', applicationName: 'Recorded consumer', clientId: 'client-recorded-1', tier: 'silver' };

async function main(): Promise<void> {
  const env = await startTestTemporal({ isolated: true });
  const dataConverter = fixtureDataConverter();
  const client = new Client({ connection: env.connection, dataConverter, identity: 'history-recorder' });
  let contracts: (typeof CONTRACT)[] = [];
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOW_BUNDLES.onboarding.workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH });
  // The watcher's own activities only: the requests it starts wait here for theirs and are terminated after.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'record-watch',
    workflowBundle: { code },
    dataConverter,
    identity: 'history-recorder',
    activities: { locateApiInstance: async () => LOCATION, listAccessContracts: async () => contracts },
  });
  const tenant = loadTenantFile(EXAMPLE_TENANT);
  tenant.access = { ...tenant.access!, watchEvery: '1h' };
  const workflowId = process.argv[2];
  if (!workflowId) throw new Error('Name the fixture: npx tsx scripts/record-watch-history.ts <name>');
  const file = join(HISTORIES_DIR, `${workflowId}.history.json`);
  if (existsSync(file)) throw new Error(`${file} exists: fixtures are never re-recorded`);
  await worker.runUntil(async () => {
    const handle = await client.workflow.start('watchAccessRequests', { taskQueue: 'record-watch', workflowId, args: [{ tenant }] });
    const scans = async (n: number) => {
      for (let i = 0; i < 300; i++) {
        if ((await handle.query(accessWatchQuery)).scans >= n) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`never reached ${n} scans`);
    };
    await scans(1);
    contracts = [CONTRACT];
    await handle.signal(scanAccessNowSignal);
    await scans(2);
    await handle.signal(reconfigureAccessWatchSignal, tenant);
    await scans(3);
    contracts = [];
    await handle.signal(scanAccessNowSignal);
    await scans(4);
    await handle.signal(stopAccessWatchSignal);
    await handle.result();
    writeFileSync(file, historyToFixtureJSON(await handle.fetchHistory()));
  });
  for await (const e of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) await client.workflow.getHandle(e.workflowId).terminate('recording over').catch(() => undefined);
  await env.teardown();
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
