import { activityInfo, getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { orgAdmissionIdFor } from '../workflows/ids';
import { orgAdmission, releaseOrgSlotSignal, requestOrgSlotSignal, type OrgSlotRun } from '../workflows/org-admission';

/*
 * The onboarding's side of the per-org admission (src/workflows/org-admission.ts): a signal to the
 * org's admission workflow, through the worker's own Temporal client. Both are idempotent.
 */

/**
 * Onboardings of one Okta org building at once, for an admission workflow this call starts (a
 * running one keeps its number). 4 at the free org's 20 apps-bucket calls a minute and about 6 per
 * onboarding: the bucket stays busy, and a step waits at most about one window for its turn.
 */
export const DEFAULT_SLOTS_PER_ORG = 4;

export function slotsPerOrg(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.ONBOARDING_SLOTS_PER_ORG);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_SLOTS_PER_ORG;
}

/** Puts the onboarding run in line for a slot of the org, starting the org's admission on first use. */
export async function requestOrgSlot(orgUrl: string, run: OrgSlotRun): Promise<void> {
  await getClient().workflow.signalWithStart(orgAdmission, {
    workflowId: orgAdmissionIdFor(orgUrl, activityInfo().taskQueue),
    taskQueue: activityInfo().taskQueue,
    args: [{ orgUrl, slots: slotsPerOrg(), holders: [], waiting: [] }],
    signal: requestOrgSlotSignal,
    signalArgs: [run],
  });
}

/** Gives the slot back (or leaves the line); nothing to do when the org has no admission. */
export async function releaseOrgSlot(orgUrl: string, run: OrgSlotRun): Promise<void> {
  try {
    await getClient().workflow.getHandle(orgAdmissionIdFor(orgUrl, activityInfo().taskQueue)).signal(releaseOrgSlotSignal, run);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** The runs among `runs` that have closed (or are gone from Temporal): their slots are free. */
export async function findClosedRuns(runs: OrgSlotRun[]): Promise<OrgSlotRun[]> {
  const closed: OrgSlotRun[] = [];
  for (const run of runs) {
    try {
      const { status } = await getClient().workflow.getHandle(run.workflowId, run.runId).describe();
      if (status.name !== 'RUNNING') closed.push(run);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) closed.push(run);
      else throw err;
    }
  }
  return closed;
}
