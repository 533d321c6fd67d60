/*
 * The whole Okta org the emulator serves, as one plain JSON document: the kit persists it atomically
 * after each write, so everything here must survive JSON.stringify (RSA keys are stored as JWK).
 *
 * Collections are objects keyed by id; JavaScript keeps string keys in insertion order (Okta ids never
 * look like integers), which is the order lists return. Every record carries `seq`, a creation counter,
 * so a pagination cursor still resolves after the record it names was deleted (see pagination.ts).
 * Secrets are kept in clear because the emulator must check them; the API only echoes what Okta echoes.
 */

export type LifecycleStatus = 'ACTIVE' | 'INACTIVE';

export interface Sequenced {
  id: string;
  /** Creation order; internal, never rendered. */
  seq: number;
  created: string;
  lastUpdated: string;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** The SSWS value. */
  token: string;
  /** The admin user the token acts as (`GET /api/v1/users/me`, System Log actor). */
  userId: string;
  created: string;
}

export type UserStatus = 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'SUSPENDED' | 'DEPROVISIONED';

export interface UserRecord extends Sequenced {
  status: UserStatus;
  activated: string | null;
  statusChanged: string | null;
  passwordChanged: string | null;
  profile: { login: string; email: string; firstName: string; lastName: string; [k: string]: unknown };
  /** sha256 of the password, when one was set; the sandbox never needs the clear text. */
  passwordHash?: string;
}

export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface GroupRecord extends Sequenced {
  type: GroupType;
  lastMembershipUpdated: string;
  profile: { name: string; description?: string | null; [k: string]: unknown };
  /** Member user ids; the BUILT_IN Everyone group has none stored (everyone is a member). */
  members: string[];
}

export interface ClientSecretRecord {
  id: string;
  secret: string;
  status: LifecycleStatus;
  created: string;
  lastUpdated: string;
}

/** An OIDC application (`name: oidc_client`); a DCR client is the same record (`client_id` = app id by default). */
export interface AppRecord extends Sequenced {
  name: 'oidc_client';
  label: string;
  status: LifecycleStatus;
  signOnMode: 'OPENID_CONNECT';
  clientId: string;
  /** How it was made: the Apps API or RFC 7591 registration (affects defaults and the DCR view). */
  registeredVia: 'apps' | 'dcr';
  /** Unix seconds, the DCR `client_id_issued_at`. */
  clientIdIssuedAt: number;
  credentials: {
    token_endpoint_auth_method: string;
    autoKeyRotation: boolean;
    pkce_required: boolean;
  };
  /** The `settings.oauthClient` document, normalised (defaults applied). */
  oauthClient: Record<string, unknown> & {
    application_type: string;
    grant_types: string[];
    response_types: string[];
    redirect_uris: string[];
    post_logout_redirect_uris: string[];
    consent_method: string;
  };
  /** The rest of `settings` (app, notifications, manualProvisioning, notes, …) as last written. */
  settings: Record<string, unknown>;
  accessibility: Record<string, unknown>;
  visibility: Record<string, unknown>;
  profile?: Record<string, unknown>;
  secrets: ClientSecretRecord[];
  signingKid: string;
  /** Okta API scopes granted to the app on the org authorization server (`/api/v1/apps/{id}/grants`); absent in older states. */
  scopeGrants?: ScopeGrantRecord[];
}

/** A scope consent grant: the app may ask the org authorization server for this `okta.*` scope. */
export interface ScopeGrantRecord {
  id: string;
  scopeId: string;
  issuer: string;
  created: string;
  createdBy: { id: string; type: 'User' | 'PublicClientApp' };
}

export interface AppGroupAssignmentRecord {
  id: string;
  seq: number;
  priority: number;
  profile: Record<string, unknown>;
  lastUpdated: string;
}

export interface AppUserRecord {
  id: string;
  seq: number;
  scope: 'USER';
  created: string;
  lastUpdated: string;
  statusChanged: string;
  credentials?: Record<string, unknown>;
  profile: Record<string, unknown>;
}

export interface SigningKeyRecord {
  kid: string;
  status: 'ACTIVE' | 'NEXT' | 'EXPIRED';
  created: string;
  lastUpdated: string;
  /** Private JWK (RSA, RS256): signs tokens. */
  privateJwk: Record<string, string>;
  /** Public JWK as `/v1/keys` publishes it. */
  publicJwk: Record<string, string>;
}

export interface ScopeRecord {
  id: string;
  seq: number;
  name: string;
  description?: string;
  displayName?: string;
  consent: 'IMPLICIT' | 'REQUIRED' | 'FLEXIBLE';
  default: boolean;
  metadataPublish: 'ALL_CLIENTS' | 'NO_CLIENTS';
  optional: boolean;
  system: boolean;
}

export interface ClaimRecord {
  id: string;
  seq: number;
  name: string;
  status: LifecycleStatus;
  claimType: 'RESOURCE' | 'IDENTITY';
  valueType: 'EXPRESSION' | 'GROUPS' | 'SYSTEM';
  value: string;
  group_filter_type?: 'STARTS_WITH' | 'EQUALS' | 'CONTAINS' | 'REGEX';
  conditions: { scopes: string[] };
  alwaysIncludeInToken: boolean;
  system: boolean;
}

export interface PolicyRuleRecord extends Sequenced {
  name: string;
  status: LifecycleStatus;
  priority: number;
  system: boolean;
  type: 'RESOURCE_ACCESS';
  conditions: {
    people: { users: { include: string[]; exclude: string[] }; groups: { include: string[]; exclude: string[] } };
    grantTypes: { include: string[] };
    scopes: { include: string[] };
  };
  actions: {
    token: {
      accessTokenLifetimeMinutes: number;
      refreshTokenLifetimeMinutes: number;
      refreshTokenWindowMinutes: number;
      inlineHook?: { id: string };
    };
  };
}

export interface PolicyRecord extends Sequenced {
  type: 'OAUTH_AUTHORIZATION_POLICY';
  name: string;
  description: string;
  status: LifecycleStatus;
  priority: number;
  system: boolean;
  conditions: { clients: { include: string[] } };
  rules: PolicyRuleRecord[];
}

export interface AuthServerRecord extends Sequenced {
  name: string;
  description?: string;
  audiences: string[];
  issuerMode: string;
  status: LifecycleStatus;
  keys: SigningKeyRecord[];
  lastRotated: string;
  scopes: ScopeRecord[];
  claims: ClaimRecord[];
  policies: PolicyRecord[];
}

/** An issued access or refresh token, kept so introspection can say active or not. */
export interface IssuedTokenRecord {
  kind: 'access_token' | 'refresh_token';
  /** `jti` of an access token; the opaque value of a refresh token. */
  id: string;
  authServerId: string;
  clientId: string;
  userId?: string;
  scopes: string[];
  /** Unix seconds. */
  iat: number;
  exp: number;
  revoked: boolean;
  /** The grant that first produced the chain (refresh tokens are evaluated as that grant). */
  grantType: string;
}

export interface AuthorizationCodeRecord {
  code: string;
  authServerId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** Rule that granted it: its token lifetimes apply at redemption. */
  ruleId: string;
  authTime: number;
  exp: number;
  used: boolean;
}

/** A System Log event in Okta's LogEvent shape (rendered as stored). */
export type LogEventRecord = Record<string, unknown> & { uuid: string; published: string; eventType: string };

export interface OktaState {
  org: { id: string; created: string };
  /** Next value of the creation counter. */
  nextSeq: number;
  apiTokens: ApiTokenRecord[];
  users: Record<string, UserRecord>;
  groups: Record<string, GroupRecord>;
  apps: Record<string, AppRecord>;
  /** appId → groupId → assignment. */
  appGroups: Record<string, Record<string, AppGroupAssignmentRecord>>;
  /** appId → userId → direct assignment. */
  appUsers: Record<string, Record<string, AppUserRecord>>;
  authServers: Record<string, AuthServerRecord>;
  tokens: Record<string, IssuedTokenRecord>;
  codes: Record<string, AuthorizationCodeRecord>;
  logs: LogEventRecord[];
  /** Creation counter of deleted records, so a cursor naming one still resolves (bounded). */
  deletedSeq: Record<string, number>;
  /** The org authorization server's keys (ACTIVE, NEXT), made on first use; absent in older states. */
  orgSigningKeys?: SigningKeyRecord[];
  /** `jti` → `exp` of client assertions already redeemed (single use until they expire). */
  usedAssertionIds?: Record<string, number>;
  /** Client id → the standard admin roles assigned to that service app (none until an admin assigns one). */
  clientAdminRoles?: Record<string, string[]>;
}
