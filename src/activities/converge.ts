import { Context } from '@temporalio/activity';
import { ExternalApiError } from '../clients/errors';
import { inProcessTry } from './quick-retry';
import type { FieldChange, PlanEntry, PlanFinding, StepResult } from './types';

/** How one resource is found, compared and brought to its desired state. */
export interface Convergence<R> {
  /** Looks the resource up by its exact identity (never a prefix match). */
  find(): Promise<R | undefined>;
  create(): Promise<R>;
  /** Fields whose actual value differs from the desired one (old → new, never a secret); empty when converged. */
  differences(existing: R): FieldChange[];
  /** What a create sets, as the plan shows it (never a secret); undefined values are known only once the run is under way. */
  desired?(): Record<string, unknown>;
  update(existing: R): Promise<R>;
  idOf(resource: R): string;
  /** Non-secret facts later steps need. */
  facts?(resource: R): Record<string, string>;
  /** The current values of what `update` writes (no secret), so a rollback can restore them. */
  previous?(existing: R): Record<string, unknown>;
  /** Writes values `previous` read back onto the resource with this id. */
  restore?(id: string, previous: Record<string, unknown>): Promise<unknown>;
  /** What the step did besides converging, for whoever reads the run (a duplicate it removed): see StepResult.notes. */
  notes?(): string[];
}

/**
 * Creates when absent, updates when different, otherwise leaves alone: the only write path.
 *
 * `finding` is what the plan read moments before in the same run. A first attempt trusts it: a
 * resource the plan did not find is created without looking again, one it found unchanged is
 * reported without a request. A retry (attempt > 1) looks again, because the attempt before may
 * have created the resource and lost the response; so does a step given no finding.
 */
export async function converge<R>(c: Convergence<R>, finding?: PlanFinding): Promise<StepResult> {
  const result = await convergeOnce(c, finding);
  const notes = c.notes?.() ?? [];
  return notes.length > 0 ? { ...result, notes } : result;
}

async function convergeOnce<R>(c: Convergence<R>, finding?: PlanFinding): Promise<StepResult> {
  if (finding && isFirstAttempt()) {
    if (finding.action === 'create') {
      const created = await c.create();
      return { outcome: 'created', id: c.idOf(created), facts: c.facts?.(created) };
    }
    if (finding.action === 'unchanged' && finding.id !== undefined) return { outcome: 'unchanged', id: finding.id, ...(finding.facts ? { facts: finding.facts } : {}) };
  }
  const existing = await c.find();
  if (!existing) {
    const created = await c.create();
    return { outcome: 'created', id: c.idOf(created), facts: c.facts?.(created) };
  }
  if (c.differences(existing).length > 0) {
    const updated = await c.update(existing);
    return { outcome: 'updated', id: c.idOf(updated), facts: c.facts?.(updated) };
  }
  return { outcome: 'unchanged', id: c.idOf(existing), facts: c.facts?.(existing) };
}

/** Outside an activity (a script, a unit test) there is no attempt to trust: look again. */
export function isFirstAttempt(): boolean {
  try {
    // Temporal's first attempt, and the worker's first try of it (quick-retry.ts).
    return Context.current().info.attempt === 1 && inProcessTry() === 1;
  } catch {
    return false;
  }
}

/** The same comparison without writing, for the plan and the dry run. */
export async function planOf<R>(
  key: string,
  system: PlanEntry['system'],
  resource: string,
  c: Pick<Convergence<R>, 'find' | 'differences' | 'idOf' | 'facts' | 'previous' | 'desired'>,
): Promise<PlanEntry> {
  const existing = await c.find();
  if (!existing) return { key, system, resource, action: 'create', ...(c.desired ? { attributes: toSet(c.desired()) } : {}) };
  const differences = c.differences(existing);
  const known = { id: c.idOf(existing), ...(c.facts ? { facts: c.facts(existing) } : {}) };
  return differences.length > 0
    ? { key, system, resource, action: 'update', ...known, changes: differences.map((d) => d.field), attributes: differences, ...(c.previous ? { previous: c.previous(existing) } : {}) }
    : { key, system, resource, action: 'unchanged', ...known };
}

/** A create's attributes: every field set, from nothing. */
export function toSet(desired: Record<string, unknown>): FieldChange[] {
  return Object.entries(desired).map(([field, to]) => ({ field, to }));
}

/** Compares selected fields; arrays compare as sets because Okta and Anypoint reorder them. */
export function diffFields(desired: Record<string, unknown>, actual: Record<string, unknown>): FieldChange[] {
  return Object.keys(desired)
    .filter((field) => !sameValue(desired[field], actual[field]))
    .map((field) => ({ field, from: actual[field], to: desired[field] }));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const norm = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    return diffFields(a as Record<string, unknown>, b as Record<string, unknown>).length === 0;
  }
  return a === b || (a === undefined && b === null) || (a === null && b === undefined);
}

/** An undo's lookup under a parent that is gone (404) finds nothing: the child went with its parent. */
export async function unlessParentGone<T>(lookup: Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof ExternalApiError && err.kind === 'not_found') return undefined;
    throw err;
  }
}
