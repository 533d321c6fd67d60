import { randomBytes } from 'node:crypto';
import { activeKeyOf, issuerOf } from '../authorization-servers';
import { customClaims } from '../claims';
import { nowSeconds, type OktaContext } from '../http';
import { halfHash, signJwt } from '../signing';
import type { AppRecord, AuthServerRecord, IssuedTokenRecord, PolicyRuleRecord, UserRecord } from '../state';

/*
 * Minting. Access tokens are RS256 JWTs with Okta's claims (`ver, jti, iss, aud, iat, exp, cid, uid, scp,
 * sub`, plus `auth_time` for user tokens and the server's RESOURCE claims); their lifetime comes from the
 * matching rule's `accessTokenLifetimeMinutes`. `sub` is the client_id for client_credentials and the
 * user's login otherwise, as Okta does. Every token is recorded (by jti) so introspection can answer
 * active or not. ID tokens last one hour; refresh tokens are opaque and last the rule's
 * `refreshTokenLifetimeMinutes` (0 = unlimited).
 */

const ID_TOKEN_SECONDS = 3600;
/** Expired records are swept when the table grows past this. */
const SWEEP_THRESHOLD = 2000;

const opaque = (bytes: number) => randomBytes(bytes).toString('base64url');

function sweepExpired(ctx: OktaContext): void {
  const tokens = ctx.state.tokens;
  if (Object.keys(tokens).length < SWEEP_THRESHOLD) return;
  const now = nowSeconds();
  for (const [id, t] of Object.entries(tokens)) if (t.exp !== 0 && t.exp < now) delete tokens[id];
  for (const [code, c] of Object.entries(ctx.state.codes)) if (c.exp < now || c.used) delete ctx.state.codes[code];
}

export interface TokenGrant {
  as: AuthServerRecord;
  app: AppRecord;
  scopes: string[];
  rule: PolicyRuleRecord;
  grantType: string;
  user?: UserRecord;
  authTime?: number;
}

export function mintAccessToken(ctx: OktaContext, grant: TokenGrant): { token: string; expiresIn: number; record: IssuedTokenRecord } {
  sweepExpired(ctx);
  const { as, app, scopes, rule, user } = grant;
  const iat = nowSeconds();
  const expiresIn = rule.actions.token.accessTokenLifetimeMinutes * 60;
  const jti = `AT.${opaque(32)}`;
  const claims: Record<string, unknown> = {
    ver: 1,
    jti,
    iss: issuerOf(ctx, as),
    aud: as.audiences[0],
    iat,
    exp: iat + expiresIn,
    cid: app.clientId,
    ...(user ? { uid: user.id } : {}),
    scp: scopes,
    ...(user ? { auth_time: grant.authTime ?? iat } : {}),
    sub: user ? user.profile.login : app.clientId,
    ...customClaims(ctx.state, as, 'RESOURCE', scopes, user),
  };
  const record: IssuedTokenRecord = {
    kind: 'access_token',
    id: jti,
    authServerId: as.id,
    clientId: app.clientId,
    ...(user ? { userId: user.id } : {}),
    scopes,
    iat,
    exp: iat + expiresIn,
    revoked: false,
    grantType: grant.grantType,
  };
  ctx.state.tokens[jti] = record;
  return { token: signJwt(activeKeyOf(as), claims), expiresIn, record };
}

const PROFILE_CLAIMS = (u: UserRecord) => ({
  name: `${u.profile.firstName} ${u.profile.lastName}`.trim(),
  preferred_username: u.profile.login,
  given_name: u.profile.firstName,
  family_name: u.profile.lastName,
  locale: (u.profile.locale as string | undefined) ?? 'en_US',
  zoneinfo: (u.profile.timezone as string | undefined) ?? 'America/Los_Angeles',
  updated_at: Math.floor(Date.parse(u.lastUpdated) / 1000),
});

/** The user claims the granted scopes release (ID token and /v1/userinfo). */
export function userClaims(u: UserRecord, scopes: string[]): Record<string, unknown> {
  return {
    sub: u.id,
    ...(scopes.includes('profile') ? PROFILE_CLAIMS(u) : {}),
    ...(scopes.includes('email') ? { email: u.profile.email, email_verified: true } : {}),
    ...(scopes.includes('phone') && u.profile.mobilePhone ? { phone_number: u.profile.mobilePhone } : {}),
  };
}

export function mintIdToken(ctx: OktaContext, grant: TokenGrant & { user: UserRecord; nonce?: string; accessToken?: string; code?: string }): string {
  const { as, app, user, scopes } = grant;
  const iat = nowSeconds();
  return signJwt(activeKeyOf(as), {
    ...userClaims(user, scopes),
    ver: 1,
    iss: issuerOf(ctx, as),
    aud: app.clientId,
    iat,
    exp: iat + ID_TOKEN_SECONDS,
    jti: `ID.${opaque(32)}`,
    amr: ['pwd'],
    idp: ctx.state.org.id,
    ...(grant.nonce ? { nonce: grant.nonce } : {}),
    auth_time: grant.authTime ?? iat,
    ...(grant.accessToken ? { at_hash: halfHash(grant.accessToken) } : {}),
    ...(grant.code ? { c_hash: halfHash(grant.code) } : {}),
    ...customClaims(ctx.state, as, 'IDENTITY', scopes, user),
  });
}

export function mintRefreshToken(ctx: OktaContext, grant: TokenGrant): string {
  const value = opaque(32);
  const iat = nowSeconds();
  const minutes = grant.rule.actions.token.refreshTokenLifetimeMinutes;
  ctx.state.tokens[value] = {
    kind: 'refresh_token',
    id: value,
    authServerId: grant.as.id,
    clientId: grant.app.clientId,
    ...(grant.user ? { userId: grant.user.id } : {}),
    scopes: grant.scopes,
    iat,
    exp: minutes === 0 ? 0 : iat + minutes * 60,
    revoked: false,
    grantType: grant.grantType,
  };
  return value;
}

/** A refresh token accompanies a grant when `offline_access` is granted and the app may use refresh_token. */
export function wantsRefreshToken(app: AppRecord, scopes: string[]): boolean {
  return scopes.includes('offline_access') && app.oauthClient.grant_types.includes('refresh_token');
}
