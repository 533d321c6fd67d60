/*
 * The whole Anypoint emulator state: plain JSON, persisted atomically after each write by the kit.
 * Secrets (connected-app secrets, DCR registration headers, introspection client secrets, client
 * application secrets) are kept in clear here because the emulator must use them; the API never
 * echoes the ones the platform does not echo.
 */

export interface AuditDates {
  created: { date: string };
  updated: { date: string };
}

export interface OrganizationRecord {
  id: string;
  name: string;
  /** The org domain of the SSO URL `/accounts/login/{domain}`. */
  domain: string;
  clientId: string;
  ownerId: string;
  createdAt: string;
}

export interface EnvironmentRecord {
  id: string;
  name: string;
  organizationId: string;
  isProduction: boolean;
  type: 'sandbox' | 'production' | 'design';
  clientId: string;
  arcNamespace: string;
}

export interface ConnectedAppRecord {
  clientId: string;
  clientSecret: string;
  name: string;
}

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Set for users created by an SSO login through an identity provider. */
  identityProviderId?: string;
  createdAt: string;
  lastLogin?: string;
}

/** An Anypoint access token: a connected app's, or a user's session after SSO. */
export interface AccessTokenRecord {
  expiresAt: number;
  connectedAppClientId?: string;
  userId?: string;
}

export interface ClientProviderRecord {
  providerId: string;
  name: string;
  typeDescription: string;
  allowUntrustedCertificates: boolean;
  allowLocalClientDeletion: boolean;
  allowExternalClientModification: boolean;
  allowClientImport: boolean;
  issuer: string;
  /** As sent; the unit is milliseconds (values up to 60 are read as the UI's seconds). */
  clientRequestTimeout: number;
  urls: { authorize: string; token: string; introspect: string };
  registerUrl: string;
  /** The configured Authorization header for registration, e.g. `SSWS …`; may be blank. */
  registrationAuthorization: string;
  primaryClient: { id: string; secret: string };
  /** grant_types_supported from the issuer's discovery document, when it had one. */
  grantTypesSupported?: string[];
  createdAt: string;
  updatedAt: string;
}

export interface IdentityProviderRecord {
  providerId: string;
  name: string;
  registration: 'manual' | 'dynamic';
  issuer: string;
  urls: { authorize: string; token: string; userinfo: string };
  clientId: string;
  clientSecret: string;
  /** Dynamic registration only. */
  registerUrl?: string;
  registrationAuthorization?: string;
  metadataName?: string;
  groupScope?: string;
  groupExpression?: string;
  allowUntrustedCertificates: boolean;
  loginDisabled: boolean;
  createdAt: string;
}

/** An SSO authorization request in flight, keyed by its `state`. */
export interface SsoRequestRecord {
  providerId: string;
  nonce: string;
  createdAt: number;
  loginHint?: string;
}

export interface ExchangeFileRecord {
  classifier: string;
  packaging: string;
  mainFile: string | null;
  md5: string;
  sha1: string;
  size: number;
  createdDate: string;
  /** Base64 content, kept for files up to 256 KiB so they can be downloaded again. */
  contentBase64?: string;
}

export interface ExchangeAssetRecord {
  groupId: string;
  assetId: string;
  version: string;
  organizationId: string;
  name: string;
  description: string;
  type: string;
  status: string;
  apiVersion?: string;
  files: ExchangeFileRecord[];
  labels: string[];
  createdById: string;
  createdAt: string;
  /** Policy templates shipped by MuleSoft are public and not deletable. */
  isPublic: boolean;
}

export interface ClientApplicationRecord {
  id: number;
  name: string;
  description: string;
  url: string | null;
  redirectUri: string[];
  grantTypes: string[];
  clientId: string;
  clientSecret: string;
  /**
   * RFC 7592 handle the IdP returned with the registration (registration_client_uri + registration_access_token),
   * when it returned one (OpenAM does, Okta does not). Kept, never shown by the API, and not used: the platform's
   * documented update/delete calls go to `{register}/{client_id}` with the configured header (client-applications.ts).
   */
  registration?: { clientUri: string; accessToken: string };
  /** null = Anypoint's own client provider. */
  providerId: string | null;
  /** The API instance the application was created for (`?apiInstanceId=`), if any. */
  apiInstanceId?: number;
  ownerConnectedAppId?: string;
  ownerUserId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointRecord {
  id: number;
  type: string | null;
  uri: string | null;
  proxyUri: string | null;
  proxyRegistrationUri: string | null;
  isCloudHub: boolean | null;
  deploymentType: string;
  muleVersion4OrAbove: boolean | null;
  referencesUserDomain: string | null;
  responseTimeout: string | null;
  apiGatewayVersion: string | null;
}

export interface ApiInstanceRecord {
  id: number;
  environmentId: string;
  groupId: string;
  assetId: string;
  assetVersion: string;
  productVersion: string;
  instanceLabel: string | null;
  providerId: string | null;
  technology: string;
  approvalMethod: string | null;
  endpointUri: string | null;
  endpoint: EndpointRecord;
  assetRecordId: number;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRecord {
  id: number;
  apiId: number;
  environmentId: string;
  environmentName: string | null;
  type: 'CH' | 'CH2' | 'HY' | 'RF';
  applicationName: string | null;
  applicationId: string;
  gatewayVersion: string | null;
  targetId: string | null;
  targetName: string | null;
  overwrite: boolean;
  expectedStatus: string;
  createdAt: string;
  updatedAt: string;
}

export interface PointcutRecord {
  methodRegex: string;
  uriTemplateRegex: string;
}

export interface PolicyRecord {
  id: number;
  apiId: number;
  environmentId: string;
  groupId: string;
  assetId: string;
  assetVersion: string;
  policyTemplateId: string;
  configurationData: Record<string, unknown>;
  pointcutData: PointcutRecord[] | null;
  order: number;
  disabled: boolean;
  /** Bumped on every change; the gateway drops its caches for the policy when it moves. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TierLimit {
  maximumRequests: number;
  timePeriodInMilliseconds: number;
  visible: boolean;
}

export interface TierRecord {
  id: number;
  apiId: number;
  name: string;
  description: string | null;
  status: 'ACTIVE' | 'DEPRECATED';
  autoApprove: boolean;
  limits: TierLimit[];
  createdAt: string;
  updatedAt: string;
}

export type ContractStatus = 'APPROVED' | 'PENDING' | 'REJECTED' | 'REVOKED';

export interface ContractRecord {
  id: number;
  apiId: number;
  environmentId: string;
  applicationId: number;
  status: ContractStatus;
  tierId: number | null;
  requestedTierId: number | null;
  reason: string | null;
  approvedDate: string | null;
  rejectedDate: string | null;
  revokedDate: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AnypointState {
  org: OrganizationRecord;
  environments: EnvironmentRecord[];
  connectedApps: ConnectedAppRecord[];
  users: UserRecord[];
  /** Access tokens by value. Expired ones are pruned when new ones are issued. */
  tokens: Record<string, AccessTokenRecord>;
  clientProviders: ClientProviderRecord[];
  identityProviders: IdentityProviderRecord[];
  ssoRequests: Record<string, SsoRequestRecord>;
  assets: ExchangeAssetRecord[];
  applications: ClientApplicationRecord[];
  apis: ApiInstanceRecord[];
  deployments: DeploymentRecord[];
  policies: PolicyRecord[];
  tiers: TierRecord[];
  contracts: ContractRecord[];
  /** Next numeric id per kind; numeric ids look like the platform's (integers in the 7–8 digit range). */
  sequences: Record<'api' | 'endpoint' | 'deployment' | 'policy' | 'tier' | 'contract' | 'application' | 'assetRecord', number>;
}

export type SequenceKind = keyof AnypointState['sequences'];

export function nextId(state: AnypointState, kind: SequenceKind): number {
  const id = state.sequences[kind];
  state.sequences[kind] = id + 1;
  return id;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function audit(createdAt: string, updatedAt: string = createdAt): AuditDates {
  return { created: { date: createdAt }, updated: { date: updatedAt } };
}
