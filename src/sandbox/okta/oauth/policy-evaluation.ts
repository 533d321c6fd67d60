import { OAUTH } from '../errors';
import { isMember } from '../groups';
import { ALL_CLIENTS, EVERYONE } from '../policies';
import { OIDC_SCOPES } from '../scopes';
import type { AppRecord, AuthServerRecord, OktaState, PolicyRecord, PolicyRuleRecord, UserRecord } from '../state';

/*
 * How a custom authorization server decides (reference/okta.md §1.4, Okta KB "tokens not issued with
 * lifetime configured in access rule"): ACTIVE policies in priority order whose client condition names
 * the client (or ALL_CLIENTS); within a policy, ACTIVE rules in priority order. A rule matches when its
 * grant types include the grant, its people condition admits the user (user grants only: client_credentials
 * has no user), and it covers EVERY requested scope (`*` covers all). The first matching policy-and-rule
 * pair wins; when a policy's rules don't match, evaluation moves on to the next policy. No match is
 * 403 access_denied "Policy evaluation failed…" plus a System Log `no_matching_policy` failure.
 */

export interface PolicyMatch {
  policy: PolicyRecord;
  rule: PolicyRuleRecord;
}

const byPriority = <T extends { priority: number }>(items: T[]): T[] => [...items].sort((a, b) => a.priority - b.priority);

function peopleAdmit(state: OktaState, rule: PolicyRuleRecord, user: UserRecord): boolean {
  const { users, groups } = rule.conditions.people;
  if (users.exclude.includes(user.id)) return false;
  const inGroup = (groupId: string) => groupId === EVERYONE || (state.groups[groupId] ? isMember(state.groups[groupId], user.id) : false);
  if (groups.exclude.some(inGroup)) return false;
  return users.include.includes(user.id) || groups.include.some(inGroup);
}

function ruleMatches(state: OktaState, rule: PolicyRuleRecord, grantType: string, scopes: string[], user: UserRecord | undefined): boolean {
  if (rule.status !== 'ACTIVE') return false;
  if (!rule.conditions.grantTypes.include.includes(grantType)) return false;
  if (user && !peopleAdmit(state, rule, user)) return false;
  const covered = rule.conditions.scopes.include;
  return covered.includes('*') || scopes.every((s) => covered.includes(s));
}

/** The policy and rule that let this request through, or undefined when none does. */
export function evaluateAccessPolicies(state: OktaState, as: AuthServerRecord, app: AppRecord, grantType: string, scopes: string[], user?: UserRecord): PolicyMatch | undefined {
  for (const policy of byPriority(as.policies)) {
    if (policy.status !== 'ACTIVE') continue;
    const clients = policy.conditions.clients.include;
    if (!clients.includes(ALL_CLIENTS) && !clients.includes(app.clientId)) continue;
    for (const rule of byPriority(policy.rules)) {
      if (ruleMatches(state, rule, grantType, scopes, user)) return { policy, rule };
    }
  }
  return undefined;
}

export function findRule(as: AuthServerRecord, ruleId: string): PolicyRuleRecord | undefined {
  for (const p of as.policies) {
    const rule = p.rules.find((r) => r.id === ruleId);
    if (rule) return rule;
  }
  return undefined;
}

/**
 * The scopes a request asks for, checked against the server: an absent `scope` falls back to the server's
 * default scopes (none → Okta's "does not have any configured default scopes" error), a blank one is
 * "No scopes were requested.", an unknown one is invalid_scope, and client_credentials can't ask for OIDC scopes.
 */
export function resolveRequestedScopes(as: AuthServerRecord, raw: string | undefined, grantType: string): string[] {
  let scopes: string[];
  if (raw === undefined) {
    scopes = as.scopes.filter((s) => s.default).map((s) => s.name);
    if (scopes.length === 0) throw OAUTH.noDefaultScopes();
  } else {
    scopes = [...new Set(raw.split(/\s+/).filter(Boolean))];
    if (scopes.length === 0) throw OAUTH.noScopesRequested();
  }
  if (scopes.some((s) => !as.scopes.some((x) => x.name === s))) throw OAUTH.unknownScopes();
  if (grantType === 'client_credentials' && scopes.some((s) => (OIDC_SCOPES as readonly string[]).includes(s))) throw OAUTH.oidcScopesWithClientCredentials();
  return scopes;
}
