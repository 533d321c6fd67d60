import { createHash } from 'node:crypto';

/*
 * The sandboxes' resources as `identity → fingerprint`: identities are what a user would name (a
 * group's name, an app's label, a policy's pointcut), fingerprints change on any change to the
 * record. Two inventories are equal exactly when the same resources exist with the same content,
 * which is what "the state after compensation equals the state before the run" means. Tokens,
 * codes, logs, SSO requests and id counters are activity, not resources, and are left out.
 */
export type Inventory = Record<string, string>;

type Rec = Record<string, any>;

const fingerprint = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
const without = (record: Rec, ...keys: string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

export function inventoryOf(state: { okta: any; anypoint: any }): Inventory {
  const inv: Inventory = {};
  const put = (identity: string, record: unknown) => {
    if (identity in inv) throw new Error(`two resources share the identity ${identity}`);
    inv[identity] = fingerprint(record);
  };
  const okta = state.okta as Rec;
  const groupName = (id: string) => (okta.groups[id]?.profile?.name as string | undefined) ?? id;
  const appLabel = (id: string) => (okta.apps[id]?.label as string | undefined) ?? id;
  for (const u of Object.values<Rec>(okta.users)) put(`okta.user:${u.profile.login}`, u);
  for (const g of Object.values<Rec>(okta.groups)) put(`okta.group:${g.profile.name}`, g);
  for (const a of Object.values<Rec>(okta.apps)) put(`okta.app:${a.label}`, a);
  for (const [appId, groups] of Object.entries<Rec>(okta.appGroups)) {
    for (const [groupId, assignment] of Object.entries(groups)) put(`okta.appGroup:${appLabel(appId)}→${groupName(groupId)}`, assignment);
  }
  for (const [appId, users] of Object.entries<Rec>(okta.appUsers)) {
    for (const [userId, assignment] of Object.entries(users)) put(`okta.appUser:${appLabel(appId)}→${userId}`, assignment);
  }
  for (const s of Object.values<Rec>(okta.authServers)) {
    put(`okta.authServer:${s.name}`, without(s, 'scopes', 'claims', 'policies'));
    for (const scope of s.scopes as Rec[]) put(`okta.scope:${s.name}/${scope.name}`, scope);
    for (const claim of s.claims as Rec[]) put(`okta.claim:${s.name}/${claim.name}`, claim);
    for (const policy of s.policies as Rec[]) {
      put(`okta.policy:${s.name}/${policy.name}`, without(policy, 'rules'));
      for (const rule of policy.rules as Rec[]) put(`okta.rule:${s.name}/${policy.name}/${rule.name}`, rule);
    }
  }

  const any = state.anypoint as Rec;
  const apiLabel = (id: number) => (any.apis as Rec[]).find((a) => a.id === id)?.instanceLabel ?? String(id);
  const appName = (id: number) => (any.applications as Rec[]).find((a) => a.id === id)?.name ?? String(id);
  put('anypoint.org', any.org);
  for (const e of any.environments as Rec[]) put(`anypoint.environment:${e.name}`, e);
  for (const c of any.connectedApps as Rec[]) put(`anypoint.connectedApp:${c.clientId}`, c);
  for (const u of any.users as Rec[]) put(`anypoint.user:${u.username ?? u.id}`, u);
  for (const p of any.clientProviders as Rec[]) put(`anypoint.clientProvider:${p.name}`, p);
  for (const p of any.identityProviders as Rec[]) put(`anypoint.identityProvider:${p.name}`, p);
  for (const a of any.assets as Rec[]) put(`anypoint.asset:${a.groupId}/${a.assetId}/${a.version}`, a);
  for (const a of any.applications as Rec[]) put(`anypoint.application:${a.name}`, a);
  for (const a of any.apis as Rec[]) put(`anypoint.api:${a.instanceLabel}`, a);
  for (const d of any.deployments as Rec[]) put(`anypoint.deployment:${apiLabel(d.apiId)}/${d.applicationName}`, d);
  for (const p of any.policies as Rec[]) put(`anypoint.policy:${apiLabel(p.apiId)}/${p.assetId}/${JSON.stringify(p.pointcutData)}`, p);
  for (const t of any.tiers as Rec[]) put(`anypoint.tier:${apiLabel(t.apiId)}/${t.name}`, t);
  for (const c of any.contracts as Rec[]) put(`anypoint.contract:${apiLabel(c.apiId)}/${appName(c.applicationId)}`, c);
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
export function secretsOf(state: { okta: any; anypoint: any }): string[] {
  const { okta, anypoint } = state;
  return [
    ...okta.apiTokens.map((t: { token: string }) => t.token),
    ...Object.values<{ secrets?: { secret: string }[] }>(okta.apps).flatMap((a) => (a.secrets ?? []).map((x) => x.secret)),
    ...anypoint.connectedApps.map((c: { clientSecret: string }) => c.clientSecret),
    ...anypoint.applications.map((a: { clientSecret?: string }) => a.clientSecret).filter(Boolean),
    ...Object.keys(anypoint.tokens),
  ];
}
