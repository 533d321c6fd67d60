import { ApplicationFailure } from '@temporalio/activity';
import { ExternalApiError } from '../clients/errors';
import type { TenantConfig } from '../config/tenant';
import { CATALOGUE, NOT_ADOPTABLE, type ItemOf, type KindName } from '../workflows/catalogue';
import type { PlanEntry } from './types';

/*
 * Explicit adoption (the tenant file's `adopt` map, keyed by step key): an adopted resource is looked
 * up by the id or exact name the file gives instead of by the file's own name, converged like any
 * other, never created and never deleted. A same-named resource that differs from the file and that
 * is neither adopted nor created by this tenant is a conflict: the run refuses it before any write.
 */

export interface Lookups<R> {
  /** The resource the tenant file names, by its exact identity. */
  byFile(): Promise<R | undefined>;
  byId?(id: string): Promise<R | undefined>;
  byName?(name: string): Promise<R | undefined>;
}

/** The `find` of a convergence: the adopted resource when the file adopts one, else the file's own. */
export function lookup<R>(cfg: TenantConfig, key: string, lookups: Lookups<R>): () => Promise<R | undefined> {
  const ref = cfg.adopt?.[key];
  if (ref === undefined) return () => lookups.byFile();
  return async () => {
    const found = (await tolerated(lookups.byId?.(ref))) ?? (await tolerated(lookups.byName?.(ref)));
    if (found === undefined) {
      throw ApplicationFailure.create({
        type: 'config',
        nonRetryable: true,
        message: `adopt['${key}'] names "${ref}", which does not exist (neither as an id nor as an exact name). Fix: correct the id or name, or remove adopt['${key}'] so the onboarding creates it.`,
      });
    }
    return found;
  };
}

/** An id that is not an id of this system (a 404 or a 400 on a malformed id) finds nothing. */
export async function tolerated<R>(found: Promise<R | undefined> | undefined): Promise<R | undefined> {
  try {
    return await found;
  } catch (err) {
    if (err instanceof ExternalApiError && (err.kind === 'not_found' || err.kind === 'validation')) return undefined;
    throw err;
  }
}

/**
 * Turns a planned update of a resource this tenant neither adopted nor created into a conflict.
 * `owned` is what the tenant record says the tenant's runs created.
 */
export function conflictOf<K extends KindName>(cfg: TenantConfig, kind: K, item: ItemOf<K>, entry: PlanEntry, owned: ReadonlySet<string>): PlanEntry {
  // A contract comes with its application: adopting the application adopts its contract.
  const adoptedWith = kind === 'contract' ? CATALOGUE.application.key(item as ItemOf<'contract'>) : entry.key;
  if (entry.action !== 'update' || cfg.adopt?.[entry.key] !== undefined || cfg.adopt?.[adoptedWith] !== undefined || owned.has(entry.key)) return entry;
  const { previous: _notWritten, ...rest } = entry;
  const fix =
    kind in NOT_ADOPTABLE
      ? `rename it in the tenant file, or remove it in ${entry.system === 'okta' ? 'Okta' : 'Anypoint'} (${NOT_ADOPTABLE[kind as keyof typeof NOT_ADOPTABLE]})`
      : `adopt it (add to the tenant file: adopt: { '${entry.key}': '${entry.id}' }) so the onboarding may change it, or rename it in the tenant file`;
  return { ...rest, action: 'conflict', fix };
}
