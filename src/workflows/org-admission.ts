import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';

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
 * A run terminated by an operator runs none of its code, so it cannot give its slot back: while
 * someone waits and every slot is held, the admission asks Temporal every `holderCheckEverySeconds`
 * which holders have closed and frees their slots.
 *
 * Places are per run, not per workflow id: a tenant's next run (same workflow id) after a terminated
 * one gets a place of its own.
 */

/** One onboarding run in line or building. */
export interface OrgSlotRun {
  workflowId: string;
  runId: string;
}

export interface OrgAdmissionState {
  orgUrl: string;
  /** How many onboardings of the org may build at once. */
  slots: number;
  /** The onboarding runs building now. */
  holders: OrgSlotRun[];
  /** The runs waiting for a slot, in order of arrival. */
  waiting: OrgSlotRun[];
  /** How often, while every slot is held and someone waits, closed holders are looked for. @default 30 */
  holderCheckEverySeconds?: number;
}

export const requestOrgSlotSignal = defineSignal<[run: OrgSlotRun]>('requestOrgSlot');
/** By the run, or (an operator's hand) by workflow id alone: every run of that id gives its place back. */
export const releaseOrgSlotSignal = defineSignal<[run: OrgSlotRun | string]>('releaseOrgSlot');
/** Sent to the onboarding that may start building. */
export const orgSlotGrantedSignal = defineSignal('orgSlotGranted');
export const orgAdmissionQuery = defineQuery<OrgAdmissionState>('orgAdmission');

/** Continue-as-new well before the history grows large: each admission is a few events. */
const HISTORY_LIMIT = 5_000;

const act = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '30 seconds' } });

const same = (a: OrgSlotRun) => (b: OrgSlotRun) => a.workflowId === b.workflowId && a.runId === b.runId;

export async function orgAdmission(state: OrgAdmissionState): Promise<never> {
  let holders = [...state.holders];
  const waiting = [...state.waiting];
  const snapshot = (): OrgAdmissionState => ({ ...state, holders: [...holders], waiting: [...waiting] });
  setHandler(orgAdmissionQuery, snapshot);
  setHandler(requestOrgSlotSignal, (run) => {
    // A retried request (the activity delivering it ran twice) keeps its place.
    if (!holders.some(same(run)) && !waiting.some(same(run))) waiting.push(run);
  });
  setHandler(releaseOrgSlotSignal, (run) => {
    const matches = (r: OrgSlotRun) => (typeof run === 'string' ? r.workflowId === run : same(run)(r));
    holders = holders.filter((r) => !matches(r));
    for (let at = waiting.findIndex(matches); at >= 0; at = waiting.findIndex(matches)) waiting.splice(at, 1);
  });
  const mustContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
  const checkEvery = (state.holderCheckEverySeconds ?? 30) * 1000;
  for (;;) {
    // Idle (nobody waits): no timer, no history.
    await condition(() => waiting.length > 0 || mustContinue());
    if (mustContinue()) break;
    if (holders.length >= state.slots) {
      if (!(await condition(() => holders.length < state.slots || mustContinue(), checkEvery))) {
        const closed = await act.findClosedRuns(holders);
        holders = holders.filter((h) => !closed.some(same(h)));
      }
      continue;
    }
    while (waiting.length > 0 && holders.length < state.slots) {
      const run = waiting.shift()!;
      holders.push(run);
      try {
        await getExternalWorkflowHandle(run.workflowId, run.runId).signal(orgSlotGrantedSignal);
      } catch {
        // The run is gone (closed, terminated): its slot goes to the next in line.
        holders = holders.filter((h) => !same(run)(h));
      }
    }
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof orgAdmission>(snapshot());
}
