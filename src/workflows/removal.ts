import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { AnypointContext, UndoTarget } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { CATALOGUE, type KindName } from './catalogue';
import { COMPENSATION_OPTIONS } from './options';

const undoAct = proxyActivities<typeof activities>(COMPENSATION_OPTIONS);

/** A resource this project created, as the saga and the tenant record keep it: enough to remove it. */
export interface CreatedResource {
  kind: KindName;
  target: UndoTarget;
}

/**
 * Removes one resource with its kind's undo activities, in the catalogue's order. The same path
 * serves a run's compensation and the offboarding, so both remove a resource the same way.
 */
export async function removeResource(cfg: TenantConfig, anypoint: AnypointContext | undefined, { kind, target }: CreatedResource): Promise<void> {
  const row = CATALOGUE[kind];
  for (const name of row.undo) {
    const undo = undoAct[name] as (...args: unknown[]) => Promise<unknown>;
    const result = row.system === 'anypoint' ? await undo(cfg, anypointContext(anypoint, kind), target) : await undo(cfg, target);
    // At an RFC 7591 provider the registered client is its own resource (providerClient), not this one's child.
    if (name === 'deleteClientApplication' && cfg.okta) {
      // Anypoint cannot delete the client it registered in Okta, so its removal does it in Okta directly.
      const clientId = target.facts?.clientId ?? (result as { clientId?: string }).clientId;
      if (clientId) await removeResource(cfg, anypoint, { kind: 'registeredClient', target: { key: CATALOGUE.registeredClient.key(target.name ?? ''), id: clientId } });
    }
  }
}

/** Puts back the values a resource had before a run updated it (the plan's `previous`). */
export async function restoreResource(cfg: TenantConfig, anypoint: AnypointContext | undefined, { kind, target }: CreatedResource, previous: Record<string, unknown>): Promise<void> {
  await undoAct.restorePreviousValues(cfg, CATALOGUE[kind].system === 'anypoint' ? anypointContext(anypoint, kind) : undefined, kind, target, previous);
}

function anypointContext(ctx: AnypointContext | undefined, kind: KindName): AnypointContext {
  if (!ctx) throw new Error(`Cannot remove the ${kind} without the Anypoint organization and environment (preflight did not run).`);
  return ctx;
}
