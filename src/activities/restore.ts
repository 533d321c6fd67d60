import { ApplicationFailure } from '@temporalio/activity';
import { oktaTenant, type TenantConfig } from '../config/tenant';
import type { KindName } from '../workflows/catalogue';
import {
  apiInstanceConvergence,
  clientApplicationConvergence,
  clientProviderConvergence,
  deploymentConvergence,
  identityProviderConvergence,
  policyConvergence as apiPolicyConvergence,
} from './anypoint';
import type { Convergence } from './converge';
import {
  authorizationServerConvergence,
  groupConvergence,
  introspectionClientConvergence,
  policyConvergence,
  groupRuleConvergence,
  ruleConvergence,
  scopeConvergence,
  ssoAppConvergence,
} from './okta';
import type { AnypointContext, UndoTarget } from './types';

/*
 * The rollback of an update: a run that changed a resource it did not create (adopted, or re-converged)
 * puts back the values the plan read before any write. One write; idempotent (writing the same values
 * twice leaves the same resource).
 */

type Restorable = Pick<Convergence<unknown>, 'restore'>;

function convergenceOf(cfg: TenantConfig, ctx: AnypointContext | undefined, kind: KindName, target: UndoTarget): Restorable | undefined {
  const p = target.parents ?? {};
  const anypoint = () => {
    if (!ctx) throw ApplicationFailure.nonRetryable(`Cannot restore the ${kind} without the Anypoint organization and environment.`, 'config');
    return ctx;
  };
  switch (kind) {
    case 'authorizationServer': return authorizationServerConvergence(oktaTenant(cfg)) as Restorable;
    case 'scope': return scopeConvergence(oktaTenant(cfg), p.authServerId, target.name!) as Restorable;
    case 'group': return groupConvergence(oktaTenant(cfg), target.name!) as Restorable;
    case 'accessPolicy': return policyConvergence(oktaTenant(cfg), p.authServerId) as Restorable;
    case 'policyRule': return ruleConvergence(oktaTenant(cfg), p.authServerId, p.policyId) as Restorable;
    case 'groupRule': return groupRuleConvergence(oktaTenant(cfg), p.authServerId, p.policyId, target.name!) as Restorable;
    case 'introspectionClient': return introspectionClientConvergence(oktaTenant(cfg)) as Restorable;
    case 'ssoApp': return ssoAppConvergence(oktaTenant(cfg)) as Restorable;
    case 'clientProvider': return clientProviderConvergence(cfg, anypoint(), undefined, undefined) as Restorable;
    case 'identityProvider': return identityProviderConvergence(cfg, anypoint(), undefined, undefined) as Restorable;
    case 'apiInstance': return apiInstanceConvergence(cfg, anypoint(), undefined) as Restorable;
    case 'deployment': return deploymentConvergence(cfg, anypoint(), p.apiId) as Restorable;
    case 'apiPolicy': return apiPolicyConvergence(cfg, anypoint(), p.apiId, Number(target.name)) as Restorable;
    case 'application': return clientApplicationConvergence(cfg, anypoint(), undefined, target.name!) as Restorable;
    default: return undefined;
  }
}

/** Writes back the values a resource had before this run updated it (`previous`, from the plan). */
export async function restorePreviousValues(cfg: TenantConfig, ctx: AnypointContext | undefined, kind: KindName, target: UndoTarget, previous: Record<string, unknown>): Promise<void> {
  const c = convergenceOf(cfg, ctx, kind, target);
  if (!c?.restore || !target.id) throw ApplicationFailure.nonRetryable(`The ${kind} ${target.id ?? target.name ?? ''} cannot be restored: restore it by hand to ${JSON.stringify(previous)}.`, 'config');
  await c.restore(target.id, previous);
}
