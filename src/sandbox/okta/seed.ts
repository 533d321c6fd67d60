import { oktaId, randomAlphanumeric } from '../core';
import { DEFAULT_AUTH_SERVER_ID } from './authorization-servers';
import { nowIso } from './http';
import { ALL_CLIENTS, EVERYONE } from './policies';
import { systemScopes } from './scopes';
import { generateSigningKeysSync } from './signing';
import type { AuthServerRecord, GroupRecord, OktaState, UserRecord } from './state';
import { newUser } from './users';

/*
 * What a new org looks like:
 * - an SSWS API token owned by the admin user `admin@example.com` (the token's `users/me`);
 * - users `ada@example.com` (Ada Lovelace) and `grace@example.com` (Grace Hopper): ACTIVE, password-less,
 *   so they sign in through /v1/authorize with `login_hint` (there is no password to type);
 * - the BUILT_IN "Everyone" group;
 * - the built-in `default` authorization server (audience `api://default`) with its "Default Policy"
 *   (ALL_CLIENTS) and "Default Policy Rule" (EVERYONE; implicit, client_credentials, authorization_code,
 *   password; scopes `*`; 60-minute access tokens), as every Okta org ships it.
 * The token and the org id come from `OktaSeed` so an admin reset reseeds the same identity.
 */

export const ADMIN_LOGIN = 'admin@example.com';

export const SEEDED_USERS = [
  { login: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
  { login: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
] as const;

export interface OktaSeed {
  apiToken: string;
  orgId: string;
}

/** Okta API tokens are 42 characters starting with `00`. */
export const newApiToken = (): string => `00${randomAlphanumeric(40)}`;

export function newSeed(apiToken?: string): OktaSeed {
  return { apiToken: apiToken ?? newApiToken(), orgId: oktaId('00o') };
}

function defaultAuthServer(state: OktaState, at: string): AuthServerRecord {
  return {
    id: DEFAULT_AUTH_SERVER_ID,
    seq: state.nextSeq++,
    created: at,
    lastUpdated: at,
    name: 'default',
    description: 'Default Authorization Server',
    audiences: ['api://default'],
    issuerMode: 'ORG_URL',
    status: 'ACTIVE',
    keys: generateSigningKeysSync(),
    lastRotated: at,
    scopes: systemScopes(state),
    claims: [],
    policies: [
      {
        id: oktaId('00p'),
        seq: state.nextSeq++,
        created: at,
        lastUpdated: at,
        type: 'OAUTH_AUTHORIZATION_POLICY',
        name: 'Default Policy',
        description: 'Default policy description',
        status: 'ACTIVE',
        priority: 1,
        system: false,
        conditions: { clients: { include: [ALL_CLIENTS] } },
        rules: [
          {
            id: oktaId('0pr'),
            seq: state.nextSeq++,
            created: at,
            lastUpdated: at,
            type: 'RESOURCE_ACCESS',
            name: 'Default Policy Rule',
            status: 'ACTIVE',
            priority: 1,
            system: false,
            conditions: {
              people: { users: { include: [], exclude: [] }, groups: { include: [EVERYONE], exclude: [] } },
              grantTypes: { include: ['implicit', 'client_credentials', 'authorization_code', 'password'] },
              scopes: { include: ['*'] },
            },
            actions: { token: { accessTokenLifetimeMinutes: 60, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 } },
          },
        ],
      },
    ],
  };
}

export function seedState(seed: OktaSeed): OktaState {
  const at = nowIso();
  const state: OktaState = {
    org: { id: seed.orgId, created: at },
    nextSeq: 1,
    apiTokens: [],
    users: {},
    groups: {},
    apps: {},
    appGroups: {},
    appUsers: {},
    authServers: {},
    tokens: {},
    codes: {},
    logs: [],
    deletedSeq: {},
  };
  const admin = newUser(state, { login: ADMIN_LOGIN, email: ADMIN_LOGIN, firstName: 'Sandbox', lastName: 'Admin' }, 'ACTIVE');
  const users: UserRecord[] = [admin, ...SEEDED_USERS.map((u) => newUser(state, { ...u, email: u.login }, 'ACTIVE'))];
  for (const u of users) state.users[u.id] = u;
  state.apiTokens.push({ id: oktaId('00T'), name: 'sandbox', token: seed.apiToken, userId: admin.id, created: at });

  const everyone: GroupRecord = {
    id: oktaId('00g'),
    seq: state.nextSeq++,
    created: at,
    lastUpdated: at,
    lastMembershipUpdated: at,
    type: 'BUILT_IN',
    profile: { name: 'Everyone', description: 'All users in your organization' },
    members: [],
  };
  state.groups[everyone.id] = everyone;
  state.authServers[DEFAULT_AUTH_SERVER_ID] = defaultAuthServer(state, at);
  return state;
}
