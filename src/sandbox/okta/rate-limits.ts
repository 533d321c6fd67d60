import type { RateLimitClassifier } from '../core';

/*
 * Rate-limit profile `developer`: the per-minute buckets of a free (Developer / Integrator Free Plan) org,
 * reference/okta.md §3.2. One counter per bucket, shared by every id the pattern covers (all custom
 * authorization servers share the `/oauth2/{authServerId}/v1/*` buckets, as Okta documents). The org
 * authorization server (`/oauth2/v1/token`, `/authorize`, `/keys`, … but DCR's `/oauth2/v1/clients`) has
 * a bucket of its own, apart from the custom servers' (okta.md §3.2; its free-org limit is not published
 * apart, so it is the custom servers' 300). Custom-AS discovery documents and keys are exempt. The kit answers 429 with E0000047 and sends
 * X-Rate-Limit-Limit/Remaining/Reset on every classified response. `unlimited` (the default) has the same
 * buckets at limits a thousand times higher: Okta sends the headers on every response, so clients that pace
 * from them are exercised by default too.
 */

const ID = '[^/]+';
const exactly = (pattern: string) => new RegExp(`^${pattern}/?$`);

const APPS_ITEM = exactly(`/api/v1/apps/${ID}`);
const GROUPS_ITEM = exactly(`/api/v1/groups/${ID}`);
const AS_METADATA = exactly(`/oauth2/${ID}/\\.well-known/(oauth-authorization-server|openid-configuration)`);
const AS_KEYS = exactly(`/oauth2/${ID}/v1/keys`);
const AS_TOKEN = exactly(`/oauth2/${ID}/v1/token`);
const AS_AUTHORIZE = exactly(`/oauth2/${ID}/v1/authorize`);
const AS_OTHER = new RegExp(`^/oauth2/${ID}/v1/`);

export const developerProfile: RateLimitClassifier = (_method, path) => {
  if (APPS_ITEM.test(path)) return { key: '/api/v1/apps/{id}', limit: 100 };
  if (path === '/api/v1/apps' || path.startsWith('/api/v1/apps/')) return { key: '/api/v1/apps*', limit: 20 };
  if (path === '/api/v1/groups' || path === '/api/v1/groups/') return { key: '/api/v1/groups', limit: 100 };
  if (GROUPS_ITEM.test(path)) return { key: '/api/v1/groups/{id}', limit: 100 };
  if (path.startsWith('/api/v1/')) return { key: '/api/v1/*', limit: 100 };
  if (path === '/oauth2/v1/clients' || path.startsWith('/oauth2/v1/clients/')) return { key: '/oauth2/v1/clients', limit: 25 };
  if (AS_METADATA.test(path) || AS_KEYS.test(path)) return undefined;
  if (AS_TOKEN.test(path)) return { key: '/oauth2/{authServerId}/v1/token', limit: 300 };
  if (AS_AUTHORIZE.test(path)) return { key: '/oauth2/{authServerId}/v1/authorize', limit: 300 };
  if (AS_OTHER.test(path)) return { key: '/oauth2/{authServerId}/v1/*', limit: 300 };
  if (path.startsWith('/oauth2/v1/')) return { key: '/oauth2/v1/*', limit: 300 };
  return undefined;
};

/** The same buckets with room no test or benchmark reaches: the headers are sent, the limit never bites. */
export const unlimitedProfile: RateLimitClassifier = (method, path) => {
  const bucket = developerProfile(method, path);
  return bucket && { ...bucket, limit: bucket.limit * UNLIMITED_FACTOR };
};
const UNLIMITED_FACTOR = 1000;
