import { OktaClient } from '../clients/okta';

/*
 * What the console needs in an Okta org, made through the Okta API (idempotent: run again, nothing
 * is duplicated): an OIDC web app for the console with its redirect URI, the approvers' group and a
 * read-only group assigned to it, a groups claim in the ID token of the authorization server, and,
 * for the demo, people to sign in as. The demo and `npm run dev` call it on the Okta sandbox; an
 * admin of a real org does the same by hand (README: "Web console").
 */

export interface ConsolePerson {
  login: string;
  firstName: string;
  lastName: string;
  password: string;
  groups: string[];
}

export const CONSOLE_APP_LABEL = 'Onboarding console';
export const APPROVERS_GROUP = 'onboarding-approvers';
export const VIEWERS_GROUP = 'onboarding-viewers';

/** The demo's people on the sandbox: one approver, one who may only read. Sandbox passwords, not secrets of any real org. */
export const DEMO_APPROVER: ConsolePerson = { login: 'approver@example.com', firstName: 'Annie', lastName: 'Approver', password: 'Approve-Onboarding-2026', groups: [APPROVERS_GROUP] };
export const DEMO_VIEWER: ConsolePerson = { login: 'viewer@example.com', firstName: 'Vic', lastName: 'Viewer', password: 'Read-Only-Onboarding-2026', groups: [VIEWERS_GROUP] };

export interface ConsoleSignInSetup {
  orgUrl: string;
  apiToken: string;
  /** The console's callback, `<console url>/callback`. */
  redirectUri: string;
  /** @default 'default' */
  authorizationServerId?: string;
  people?: ConsolePerson[];
}

/** The console's OIDC settings (its CONSOLE_OIDC_* variables) once the org holds what it needs. */
export interface ConsoleOidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export async function ensureConsoleSignIn(setup: ConsoleSignInSetup): Promise<ConsoleOidcSettings> {
  const orgUrl = setup.orgUrl.replace(/\/+$/, '');
  const asId = setup.authorizationServerId ?? 'default';
  const okta = new OktaClient({ orgUrl, apiToken: setup.apiToken });
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${orgUrl}${path}`, {
      method,
      headers: { authorization: `SSWS ${setup.apiToken}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400 && res.status !== 404) throw new Error(`Okta ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  try {
    const groupIds = new Map<string, string>();
    for (const name of [APPROVERS_GROUP, VIEWERS_GROUP]) {
      const group = (await okta.findGroupByName(name)) ?? (await okta.createGroup({ name, description: name === APPROVERS_GROUP ? 'May approve in the onboarding console' : 'May read the onboarding console' }));
      groupIds.set(name, group.id);
    }

    let app = await okta.findOidcAppByLabel(CONSOLE_APP_LABEL);
    if (!app) {
      app = await okta.createOidcApp({ label: CONSOLE_APP_LABEL, applicationType: 'web', grantTypes: ['authorization_code'], responseTypes: ['code'], redirectUris: [setup.redirectUri] });
    } else if (!(app.settings?.oauthClient?.redirect_uris ?? []).includes(setup.redirectUri)) {
      await okta.setAppRedirectUris(app.id, [...(app.settings?.oauthClient?.redirect_uris ?? []), setup.redirectUri]);
    }
    // Read first, so a second start writes nothing (the demo counts writes).
    const assigned = new Set((await okta.listAppGroupAssignments(app.id)).map((a) => a.id));
    for (const groupId of groupIds.values()) if (!assigned.has(groupId)) await okta.assignGroupToApp(app.id, groupId);

    // The ID token lists the user's console groups, so the console decides who approves without an API token.
    const claims = (await api('GET', `/api/v1/authorizationServers/${asId}/claims`)).json as { name: string; claimType: string }[];
    if (!claims.some((c) => c.name === 'groups' && c.claimType === 'IDENTITY')) {
      await api('POST', `/api/v1/authorizationServers/${asId}/claims`, { name: 'groups', status: 'ACTIVE', claimType: 'IDENTITY', valueType: 'GROUPS', group_filter_type: 'STARTS_WITH', value: 'onboarding-', alwaysIncludeInToken: true, conditions: { scopes: [] } });
    }

    for (const person of setup.people ?? []) {
      const found = await api('GET', `/api/v1/users/${encodeURIComponent(person.login)}`);
      const ids = person.groups.map((g) => groupIds.get(g) ?? g);
      if (found.status === 404) {
        await api('POST', '/api/v1/users?activate=true', { profile: { login: person.login, email: person.login, firstName: person.firstName, lastName: person.lastName }, credentials: { password: { value: person.password } }, groupIds: ids });
      } else {
        const userId = (found.json as { id: string }).id;
        for (const groupId of ids) {
          const members = (await api('GET', `/api/v1/groups/${groupId}/users?limit=200`)).json as { id: string }[];
          if (!members.some((m) => m.id === userId)) await api('PUT', `/api/v1/groups/${groupId}/users/${userId}`);
        }
      }
    }
    return { issuer: `${orgUrl}/oauth2/${asId}`, clientId: app.credentials?.oauthClient?.client_id ?? app.id, clientSecret: await okta.getClientSecret(app.id) };
  } finally {
    await okta.close();
  }
}
