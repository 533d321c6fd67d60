import { resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { AccessContract, ApiLocation } from '../../src/activities/types';
import { loadTenantFile } from '../../src/config/tenant';
import { createDataConverter } from '../../src/temporal/data-converter';
import { accessWatchQuery, scanAccessNowSignal, stopAccessWatchSignal } from '../../src/workflows/access';
import { until } from '../support/eventually';
import { startTestTemporal, uniqueId, uniqueTaskQueue, workflowBundle } from '../support/temporal';

const EXAMPLE = resolve(__dirname, '../../examples/solar-system.tenant.yaml');
const LOCATION: ApiLocation = { anypoint: { orgId: 'org-1', environmentId: 'env-1', orgDomain: 'solar' }, apiId: '42' };

/*
 * The watcher on a real Temporal server, its two activities held by the test: what it does with
 * a nudge depends only on when the nudge comes.
 */
describe('the access watcher', () => {
  let env: TestWorkflowEnvironment;
  const dataConverter = createDataConverter();
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(() => env?.teardown());

  it('keeps a nudge that comes while it is looking, and looks again at once (not at the next watchEvery)', async () => {
    const tenant = loadTenantFile(EXAMPLE);
    tenant.tenant.id = uniqueId('watch').toLowerCase().replace(/[^a-z0-9-]/g, '-');
    tenant.access = { ...tenant.access!, watchEvery: '1h' };
    let looks = 0;
    const activitiesUnderTest: { locateApiInstance: () => Promise<ApiLocation>; listAccessContracts: () => Promise<AccessContract[]> } = {
      locateApiInstance: async () => LOCATION,
      listAccessContracts: async () => [],
    };
    let releaseSecondLook: () => void = () => undefined;
    const secondLookStarted = new Promise<void>((started) => {
      const held = new Promise<void>((release) => (releaseSecondLook = release));
      activitiesUnderTest.listAccessContracts = async () => {
        looks++;
        if (looks === 2) {
          started();
          await held;
        }
        return [];
      };
    });
    const taskQueue = uniqueTaskQueue('watch');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle('onboarding'), activities: { locateApiInstance: () => activitiesUnderTest.locateApiInstance(), listAccessContracts: () => activitiesUnderTest.listAccessContracts() }, dataConverter });
    const client = new Client({ connection: env.connection, dataConverter });
    await worker.runUntil(async () => {
      const watcher = await client.workflow.start('watchAccessRequests', { taskQueue, workflowId: `access-watch-${tenant.tenant.id}`, args: [{ tenant }] });
      await until('the first look', async () => (await watcher.query(accessWatchQuery)).scans === 1);
      // First nudge: the second look starts and is held inside its list call.
      await watcher.signal(scanAccessNowSignal);
      await secondLookStarted;
      // A consumer's request lands now, and its nudge comes while the watcher is still looking.
      await watcher.signal(scanAccessNowSignal);
      releaseSecondLook();
      // The third look comes from that nudge; without it the next look would be an hour away.
      await until('a third look, asked for by the nudge during the second (a lost nudge waits an hour)', async () => looks >= 3);
      expect((await watcher.query(accessWatchQuery)).scans).toBeGreaterThanOrEqual(2);
      await watcher.signal(stopAccessWatchSignal);
      await watcher.result();
    });
    expect(looks).toBe(3);
  });
});
