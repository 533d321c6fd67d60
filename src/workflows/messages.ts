import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MissingAssignment, Plan, ProofResult } from '../activities/types';

export type Phase =
  | 'preflight'
  | 'planning'
  | 'okta'
  | 'anypoint'
  | 'awaiting-assignment'
  | 'assigning'
  | 'proving'
  | 'compensating'
  | 'completed'
  | 'failed'
  | 'cancelled';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'compensated' | 'compensation-failed' | 'skipped';

export interface StepProgress {
  key: string;
  title: string;
  state: StepState;
  startedAt?: string;
  finishedAt?: string;
  outcome?: 'created' | 'updated' | 'unchanged';
  resourceId?: string;
  error?: string;
  /** What the step did besides converging (a duplicate it found and removed: src/activities/duplicates.ts). */
  notes?: string[];
}

/**
 * Who approved, as the identity provider vouches for it (the console's signed-in user, from the ID
 * token): absent when the approver is a name typed at the CLI.
 */
export interface ApproverIdentity {
  /** The ID token's `iss`. */
  issuer: string;
  /** The ID token's `sub`: stable, unlike a name or an email. */
  subject: string;
  email?: string;
  name?: string;
}

export interface Approval {
  approver: string;
  identity?: ApproverIdentity;
  note?: string;
  at: string;
}

export interface CompensationReport {
  undone: string[];
  /** Resources that could not be undone, with why: never dropped silently. */
  failed: { key: string; title: string; error: string }[];
}

export interface OnboardingProgress {
  tenantId: string;
  /** Where people sign in to Anypoint through Okta (seed 000), once the identity provider exists. */
  ssoSignInUrl?: string;
  phase: Phase;
  startedAt: string;
  steps: StepProgress[];
  plan?: Plan;
  approval?: Approval;
  remindersSent: number;
  /** What the assignment check found missing the last time it ran. */
  missingAssignments: string[];
  /** The same, as data (absent on runs from before it was kept): what the console checks live. */
  missing?: MissingAssignment[];
  /** When the wait for a person ends the run (ISO time), while it waits. */
  deadline?: string;
  proof?: ProofResult;
  compensation?: CompensationReport;
  cancelReason?: string;
  error?: string;
}

export interface ConfirmAssignmentRequest {
  approver: string;
  /** Set by the console from the signed-in user's ID token; kept with the approval. */
  identity?: ApproverIdentity;
  note?: string;
}

export interface CancelRequest {
  reason: string;
  by?: string;
}

/** Live progress: every step with state, timestamps and resource ids. */
export const progressQuery = defineQuery<OnboardingProgress>('progress');

/**
 * A person confirms the manual Okta group assignment. Refused unless the run is waiting for it;
 * fails (and the run keeps waiting) when Okta does not show every required assignment.
 */
export const confirmGroupAssignmentUpdate = defineUpdate<Approval, [ConfirmAssignmentRequest]>('confirmGroupAssignment');

/** Cancels the run with a reason; everything the run created is compensated. */
export const cancelOnboardingSignal = defineSignal<[CancelRequest]>('cancelOnboarding');
