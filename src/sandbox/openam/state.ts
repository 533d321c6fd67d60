/*
 * What the OpenAM emulator keeps, JSON-serialisable so the kit's StateStore can persist it. The provider
 * itself is oidc-provider; this state is its storage (see adapter.ts) plus the realm's fixed settings.
 */

/** One stored oidc-provider model instance (Client, ClientCredentials, AccessToken, Session, Grant, …). */
export interface StoredModel {
  payload: Record<string, unknown>;
  /** Epoch milliseconds; absent for records that never expire (registered clients). */
  expiresAt?: number;
}

export interface OpenAmUser {
  email: string;
  given_name: string;
  family_name: string;
}

export interface OpenAmState {
  realm: string;
  /** The realm's initial access token for dynamic client registration (`Authorization: Bearer …`). */
  initialAccessToken: string;
  /** The confidential client made by the realm's admin that may introspect every token (Anypoint's "primary client"). */
  introspectionClient: { clientId: string; clientSecret: string };
  /** Private signing key of the realm (JWK), so ID tokens stay verifiable across restarts. */
  signingKey: Record<string, unknown>;
  /** Keys signing the provider's cookies. */
  cookieKeys: string[];
  /** The realm's supported scopes beyond OpenID's own; a requested scope outside them is left out of the token. */
  scopes: string[];
  /** Users who can sign in at the authorization endpoint, by login. */
  users: Record<string, OpenAmUser>;
  /** oidc-provider's storage: model name → id → record. */
  models: Record<string, Record<string, StoredModel>>;
}
