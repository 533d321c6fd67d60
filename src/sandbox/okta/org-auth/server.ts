import { randomBytes } from 'node:crypto';
import { nowSeconds, type OktaContext } from '../http';
import { generateSigningKeysSync, signJwt, verifyJwt } from '../signing';
import type { AppRecord, SigningKeyRecord } from '../state';

/*
 * The org authorization server: issuer = the org URL itself (no `/oauth2/{id}`), the audience of its
 * access tokens is the org URL too, and it is the only server that issues `okta.*` scopes. Its two keys
 * (ACTIVE signs, NEXT is published for the next rotation, as on custom servers) are made on first use so
 * a sandbox that never sees OAuth for Okta pays nothing for them.
 */

/** `authServerId` of the org server's tokens in `state.tokens` (never an id of a custom server). */
export const ORG_AUTH_SERVER_ID = 'org';
/** Okta's org-server access tokens last one hour; there is no policy to change that. */
export const ORG_ACCESS_TOKEN_SECONDS = 3600;

export const orgIssuer = (ctx: OktaContext): string => ctx.baseUrl;
export const orgTokenEndpoint = (ctx: OktaContext): string => `${ctx.baseUrl}/oauth2/v1/token`;

export function orgSigningKeys(ctx: OktaContext): SigningKeyRecord[] {
  if (!ctx.state.orgSigningKeys?.length) {
    ctx.state.orgSigningKeys = generateSigningKeysSync();
    ctx.store.persist();
  }
  return ctx.state.orgSigningKeys;
}

export function mintOrgAccessToken(ctx: OktaContext, app: AppRecord, scopes: string[]): string {
  const keys = orgSigningKeys(ctx);
  const iat = nowSeconds();
  const exp = iat + ORG_ACCESS_TOKEN_SECONDS;
  const jti = `AT.${randomBytes(32).toString('base64url')}`;
  ctx.state.tokens[jti] = { kind: 'access_token', id: jti, authServerId: ORG_AUTH_SERVER_ID, clientId: app.clientId, scopes, iat, exp, revoked: false, grantType: 'client_credentials' };
  const active = keys.find((k) => k.status === 'ACTIVE') ?? keys[0];
  return signJwt(active, { ver: 1, jti, iss: orgIssuer(ctx), aud: orgIssuer(ctx), iat, exp, cid: app.clientId, scp: scopes, sub: app.clientId });
}

export interface OrgTokenHolder {
  app: AppRecord;
  scopes: string[];
}

/**
 * The client behind an org access token; undefined when the token is not one of ours, expired, revoked,
 * meant for another audience, or its app is no longer active.
 */
export function authenticateOrgAccessToken(ctx: OktaContext, token: string): OrgTokenHolder | undefined {
  const keys = ctx.state.orgSigningKeys;
  if (!keys?.length) return undefined;
  const claims = verifyJwt(token, keys);
  if (!claims || claims.iss !== orgIssuer(ctx) || claims.aud !== orgIssuer(ctx)) return undefined;
  const record = typeof claims.jti === 'string' ? ctx.state.tokens[claims.jti] : undefined;
  if (!record || record.revoked || record.authServerId !== ORG_AUTH_SERVER_ID || record.exp < nowSeconds()) return undefined;
  const app = Object.values(ctx.state.apps).find((a) => a.clientId === record.clientId);
  if (!app || app.status !== 'ACTIVE') return undefined;
  return { app, scopes: record.scopes };
}
