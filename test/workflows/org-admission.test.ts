import { Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as admission from '../../src/activities/admission';
import { createDataConverter } from '../../src/temporal/data-converter';
import { emptyTenantRecord, tenantRecord } from '../../src/workflows/tenant-record';
import { orgAdmission, orgAdmissionQuery, releaseOrgSlotSignal, requestOrgSlotSignal, type OrgAdmissionState } from '../../src/workflows/org-admission';
import { until } from '../support/eventually';
import { startTestTemporal, uniqueId, uniqueTaskQueue, workflowBundle } from '../support/temporal';

/*
 * The per-org admission on a real Temporal server, with long-lived runs of another workflow (tenant
 * records: they wait for ever) standing in for onboardings that hold or want a slot.
 */
describe('admission of onboardings to one Okta org', () => {
  let env: TestWorkflowEnvironment;
  const dataConverter = createDataConverter();
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(() => env?.teardown());

  it('frees the slot of a run terminated while holding it, and gives a new run of the same workflow id a place of its own', async () => {
    const taskQueue = uniqueTaskQueue('admission');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle('onboarding'), activities: { findClosedRuns: admission.findClosedRuns }, dataConverter });
    const client = new Client({ connection: env.connection, dataConverter });
    const standIn = (workflowId: string) => client.workflow.start(tenantRecord, { taskQueue, workflowId, args: [emptyTenantRecord(workflowId, new Date().toISOString())] });
    const asRun = (h: WorkflowHandleWithFirstExecutionRunId) => ({ workflowId: h.workflowId, runId: h.firstExecutionRunId });
    await worker.runUntil(async () => {
      const line = await client.workflow.start(orgAdmission, { taskQueue, workflowId: uniqueId('org-admission'), args: [{ orgUrl: 'https://acme.okta.com', slots: 1, holders: [], waiting: [], holderCheckEverySeconds: 1 }] });
      const state = () => line.query(orgAdmissionQuery);
      const first = await standIn(uniqueId('first'));
      await line.signal(requestOrgSlotSignal, asRun(first));
      await until('the first run to hold the slot', async () => (await state()).holders.length === 1);
      const second = await standIn(uniqueId('second'));
      await line.signal(requestOrgSlotSignal, asRun(second));
      await until('the second run to wait', async () => (await state()).waiting.length === 1);

      // Terminated while holding: none of its code runs, so it never gives the slot back itself.
      await first.terminate('operator');
      await until('the slot of the terminated holder to go to the second run', async () => sameRuns(await state(), [asRun(second)], []));

      // The tenant's next run under the same workflow id after the holder is terminated waits in line as a run of its own.
      await second.terminate('operator');
      const again = await standIn(second.workflowId);
      await line.signal(requestOrgSlotSignal, asRun(again));
      await until('the new run of the same workflow id to hold the slot', async () => sameRuns(await state(), [asRun(again)], []));
      // An operator's release by workflow id alone frees every run of that id.
      await line.signal(releaseOrgSlotSignal, again.workflowId);
      await until('the release by workflow id', async () => sameRuns(await state(), [], []));
      await again.terminate('test over');
      await line.terminate('test over');
    });
  });
});

function sameRuns(state: OrgAdmissionState, holders: { workflowId: string; runId: string }[], waiting: { workflowId: string; runId: string }[]): boolean {
  return JSON.stringify([state.holders, state.waiting]) === JSON.stringify([holders, waiting]);
}
