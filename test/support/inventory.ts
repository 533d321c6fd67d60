import { createHash } from 'node:crypto';
import type { AnypointState } from '../../src/sandbox/anypoint/state';
import type { OktaState } from '../../src/sandbox/okta/state';

/*
 * The sandboxes' resources as `identity → fingerprint`: identities are what a user would name (a
 * group's name, an app's label, a policy's pointcut), fingerprints change on any change to the
 * record. Two inventories are equal exactly when the same resources exist with the same content,
 * which is what "the state after compensation equals the state before the run" means. Tokens,
 * codes, logs, SSO requests and id counters are activity, not resources, and are left out.
 */
export type Inventory = Record<string, string>;

/** What the sandboxes' admin API `GET /__sandbox/state` returns. */
export interface SandboxState {
  okta: OktaState;
  anypoint: AnypointState;
}

/** Fields the platforms stamp on every write: a restore through the API can put back everything else. */
const WRITE_STAMPS = new Set(['lastUpdated']);
const fingerprintOf = (ignoreStamps: boolean) => (value: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(value, (k, v: unknown) => (ignoreStamps && WRITE_STAMPS.has(k) ? undefined : v)))
    .digest('hex')
    .slice(0, 16);
const without = (record: object, ...keys: string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

/**
 * The inventory with every field fingerprinted except the write stamps (`lastUpdated`), which no API
 * lets a client set: what "restored to its previous values" can mean for a resource that was updated.
 */
export function contentInventoryOf(state: SandboxState): Inventory {
  return inventoryOf(state, { ignoreWriteStamps: true });
}

export function inventoryOf({ okta, anypoint }: SandboxState, { ignoreWriteStamps = false } = {}): Inventory {
  const fingerprint = fingerprintOf(ignoreWriteStamps);
  const inv: Inventory = {};
  const put = (identity: string, record: unknown) => {
    if (identity in inv) throw new Error(`two resources share the identity ${identity}`);
    inv[identity] = fingerprint(record);
  };
  const groupName = (id: string) => okta.groups[id]?.profile.name ?? id;
  const appLabel = (id: string) => okta.apps[id]?.label ?? id;
  for (const u of Object.values(okta.users)) put(`okta.user:${u.profile.login}`, u);
  for (const g of Object.values(okta.groups)) put(`okta.group:${g.profile.name}`, g);
  for (const a of Object.values(okta.apps)) put(`okta.app:${a.label}`, a);
  for (const [appId, groups] of Object.entries(okta.appGroups)) {
    for (const [groupId, assignment] of Object.entries(groups)) put(`okta.appGroup:${appLabel(appId)}→${groupName(groupId)}`, assignment);
  }
  for (const [appId, users] of Object.entries(okta.appUsers)) {
    for (const [userId, assignment] of Object.entries(users)) put(`okta.appUser:${appLabel(appId)}→${userId}`, assignment);
  }
  for (const s of Object.values(okta.authServers)) {
    put(`okta.authServer:${s.name}`, without(s, 'scopes', 'claims', 'policies'));
    for (const scope of s.scopes) put(`okta.scope:${s.name}/${scope.name}`, scope);
    for (const claim of s.claims) put(`okta.claim:${s.name}/${claim.name}`, claim);
    for (const policy of s.policies) {
      put(`okta.policy:${s.name}/${policy.name}`, without(policy, 'rules'));
      for (const rule of policy.rules) put(`okta.rule:${s.name}/${policy.name}/${rule.name}`, rule);
    }
  }

  const apiLabel = (id: number) => anypoint.apis.find((a) => a.id === id)?.instanceLabel ?? String(id);
  const appName = (id: number) => anypoint.applications.find((a) => a.id === id)?.name ?? String(id);
  put('anypoint.org', anypoint.org);
  for (const e of anypoint.environments) put(`anypoint.environment:${e.name}`, e);
  for (const c of anypoint.connectedApps) put(`anypoint.connectedApp:${c.clientId}`, c);
  for (const u of anypoint.users) put(`anypoint.user:${u.username}`, u);
  for (const p of anypoint.clientProviders) put(`anypoint.clientProvider:${p.name}`, p);
  for (const p of anypoint.identityProviders) put(`anypoint.identityProvider:${p.name}`, p);
  for (const a of anypoint.assets) put(`anypoint.asset:${a.groupId}/${a.assetId}/${a.version}`, a);
  for (const a of anypoint.applications) put(`anypoint.application:${a.name}`, a);
  for (const a of anypoint.apis) put(`anypoint.api:${a.instanceLabel}`, a);
  for (const d of anypoint.deployments) put(`anypoint.deployment:${apiLabel(d.apiId)}/${d.applicationName}`, d);
  for (const p of anypoint.policies) put(`anypoint.policy:${apiLabel(p.apiId)}/${p.assetId}/${JSON.stringify(p.pointcutData)}`, p);
  for (const t of anypoint.tiers) put(`anypoint.tier:${apiLabel(t.apiId)}/${t.name}`, t);
  for (const c of anypoint.contracts) put(`anypoint.contract:${apiLabel(c.apiId)}/${appName(c.applicationId)}`, c);
  return inv;
}

/** What differs between two inventories, readable in a failing expectation. */
export function inventoryDiff(before: Inventory, after: Inventory): { added: string[]; removed: string[]; changed: string[] } {
  return {
    added: Object.keys(after).filter((k) => !(k in before)).sort(),
    removed: Object.keys(before).filter((k) => !(k in after)).sort(),
    changed: Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort(),
  };
}

/** Every secret the sandboxes hold: the Okta API token, client secrets of every app, the connected app's, Anypoint tokens. */
export function secretsOf({ okta, anypoint }: SandboxState): string[] {
  return [
    ...okta.apiTokens.map((t) => t.token),
    ...Object.values(okta.apps).flatMap((a) => a.secrets.map((x) => x.secret)),
    ...anypoint.connectedApps.map((c) => c.clientSecret),
    ...anypoint.applications.flatMap((a) => (a.clientSecret ? [a.clientSecret] : [])),
    ...Object.keys(anypoint.tokens),
  ];
}
