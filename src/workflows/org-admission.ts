import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';

/*
 * Admission of onboardings to one Okta org: an entity workflow per org and task queue (`org-admission-<queue>-<org>`)
 * that lets at most `slots` onboardings of the org build at once and keeps the others in line,
 * first come first served.
 *
 * Why: the org's rate limits are shared by every tenant on it (20 calls a minute in /api/v1/apps* on
 * a free org, about 6 per onboarding). Started all at once, 500 onboardings would each make their
 * first calls and then queue behind one another inside their steps, and a step waits its turn inside
 * its activity, whose start-to-close timeout (2 minutes) and time budget (30 minutes) tick while it
 * waits: a step far back in the line rolls the run back. Here the waiting happens in the
 * onboarding workflow itself (a condition on a signal), where no timeout ticks, and only as many
 * onboardings build as the budget serves within a step's timeout. Temporal is the one place every
 * worker shares, so the line is the same whichever worker runs a tenant; the X-Rate-Limit-* pacer
 * (src/clients/rate-pacer.ts) still spaces the calls of the admitted ones.
 *
 * A slot is given back when the onboarding ends (success, rollback or cancel) or pauses for a
 * person (manual group assignment). A grant to a run that is already closed is taken back at once.
 */

export interface OrgAdmissionState {
  orgUrl: string;
  /** How many onboardings of the org may build at once. */
  slots: number;
  /** Workflow ids of the onboardings building now. */
  holders: string[];
  /** Workflow ids waiting for a slot, in order of arrival. */
  waiting: string[];
}

export const requestOrgSlotSignal = defineSignal<[workflowId: string]>('requestOrgSlot');
export const releaseOrgSlotSignal = defineSignal<[workflowId: string]>('releaseOrgSlot');
/** Sent to the onboarding that may start building. */
export const orgSlotGrantedSignal = defineSignal('orgSlotGranted');
export const orgAdmissionQuery = defineQuery<OrgAdmissionState>('orgAdmission');

/** Continue-as-new well before the history grows large: each admission is a few events. */
const HISTORY_LIMIT = 5_000;

export async function orgAdmission(state: OrgAdmissionState): Promise<never> {
  const holders = new Set(state.holders);
  const waiting = [...state.waiting];
  const snapshot = (): OrgAdmissionState => ({ ...state, holders: [...holders], waiting: [...waiting] });
  setHandler(orgAdmissionQuery, snapshot);
  setHandler(requestOrgSlotSignal, (workflowId) => {
    // A retried request (the activity delivering it ran twice) keeps its place.
    if (!holders.has(workflowId) && !waiting.includes(workflowId)) waiting.push(workflowId);
  });
  setHandler(releaseOrgSlotSignal, (workflowId) => {
    holders.delete(workflowId);
    const at = waiting.indexOf(workflowId);
    if (at >= 0) waiting.splice(at, 1);
  });
  const mustContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
  for (;;) {
    await condition(() => (waiting.length > 0 && holders.size < state.slots) || mustContinue());
    if (mustContinue()) break;
    while (waiting.length > 0 && holders.size < state.slots) {
      const workflowId = waiting.shift()!;
      holders.add(workflowId);
      try {
        await getExternalWorkflowHandle(workflowId).signal(orgSlotGrantedSignal);
      } catch {
        // The run is gone (closed, terminated): its slot goes to the next in line.
        holders.delete(workflowId);
      }
    }
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof orgAdmission>(snapshot());
}
