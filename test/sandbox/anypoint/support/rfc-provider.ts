import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import Fastify, { FastifyInstance } from 'fastify';

/*
 * A small, generic standards-only OpenID provider for the sandbox tests: RFC 7591 registration behind a
 * `Bearer` registration token (as ForgeRock and Salesforce do, not Okta's SSWS), RFC 7662 introspection,
 * client_credentials and authorization_code with RS256 ID tokens, userinfo and discovery. Used to show that
 * the Anypoint sandbox and gateway work with ANY RFC 7591 provider, not only the Okta emulator, and to make
 * the provider misbehave on purpose.
 */

export interface ProviderClient {
  client_id: string;
  client_secret: string;
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types?: string[];
  token_endpoint_auth_method?: string;
  application_type?: string;
}

export interface RfcProvider {
  url: string;
  issuer: string;
  registrationToken: string;
  introspectionClient: { id: string; secret: string };
  clients: Map<string, ProviderClient>;
  /** Raw bodies the provider received at its registration endpoint. */
  registrations: Record<string, unknown>[];
  /** Introspection calls received. */
  introspections: number;
  /** `ok`, or make introspection answer 500 / a non-RFC body. */
  introspectionMode: 'ok' | 'error' | 'garbage';
  urls: { register: string; authorize: string; token: string; introspect: string; userinfo: string };
  /** Adds a confidential client directly (as an admin would in the provider's console). */
  addClient(client: Partial<ProviderClient> & { grant_types: string[] }): ProviderClient;
  /** Issues a client_credentials token without HTTP. */
  tokenFor(clientId: string, scope: string, ttlSeconds?: number): string;
  close(): Promise<void>;
}

interface IssuedToken {
  clientId: string;
  scope: string;
  exp: number;
  username?: string;
}

export async function startRfcProvider(opts: { users?: Record<string, { email: string; given_name: string; family_name: string }> } = {}): Promise<RfcProvider> {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const users = opts.users ?? { 'ada@example.com': { email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace' } };
  const tokens = new Map<string, IssuedToken>();
  const codes = new Map<string, { clientId: string; redirectUri: string; nonce?: string; username: string }>();
  const random = (n = 18) => randomBytes(n).toString('base64url');

  const provider = {} as RfcProvider;
  const signJwt = (claims: Record<string, unknown>) => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${enc(claims)}`;
    return `${head}.${sign('RSA-SHA256', Buffer.from(head), privateKey).toString('base64url')}`;
  };
  const basic = (header: string | undefined) => {
    const m = header && /^basic\s+(.+)$/i.exec(header);
    if (!m) return undefined;
    const [id, ...rest] = Buffer.from(m[1], 'base64').toString().split(':');
    return { id: decodeURIComponent(id), secret: decodeURIComponent(rest.join(':')) };
  };
  const authenticated = (header: string | undefined) => {
    const creds = basic(header);
    const client = creds && provider.clients.get(creds.id);
    return client && client.client_secret === creds.secret ? client : undefined;
  };

  app.get('/.well-known/openid-configuration', async () => ({
    issuer: provider.issuer,
    authorization_endpoint: provider.urls.authorize,
    token_endpoint: provider.urls.token,
    introspection_endpoint: provider.urls.introspect,
    userinfo_endpoint: provider.urls.userinfo,
    registration_endpoint: provider.urls.register,
    jwks_uri: `${provider.url}/keys`,
    grant_types_supported: ['authorization_code', 'implicit', 'client_credentials'],
  }));
  app.get('/keys', async () => ({ keys: [jwk] }));

  const requireRegistrationToken = (header: string | undefined) => header === `Bearer ${provider.registrationToken}`;
  app.get('/connect/register', async (_req, reply) => reply.code(405).send({ error: 'method_not_allowed' }));
  app.post<{ Body: Record<string, unknown> }>('/connect/register', async (req, reply) => {
    if (!requireRegistrationToken(req.headers.authorization)) return reply.code(401).send({ error: 'invalid_token', error_description: 'A valid registration access token is required' });
    provider.registrations.push(req.body);
    if (typeof req.body.client_name !== 'string' || !req.body.client_name) return reply.code(400).send({ error: 'invalid_client_metadata', error_description: 'client_name is required' });
    const client: ProviderClient = {
      client_id: random(12),
      client_secret: req.body.token_endpoint_auth_method === 'none' ? '' : random(24),
      client_name: req.body.client_name,
      redirect_uris: (req.body.redirect_uris as string[]) ?? [],
      grant_types: (req.body.grant_types as string[]) ?? ['authorization_code'],
      response_types: req.body.response_types as string[],
      token_endpoint_auth_method: req.body.token_endpoint_auth_method as string,
      application_type: req.body.application_type as string,
    };
    provider.clients.set(client.client_id, client);
    return reply.code(201).send({ ...client, client_id_issued_at: Math.floor(Date.now() / 1000), client_secret_expires_at: 0 });
  });
  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>('/connect/register/:id', async (req, reply) => {
    const client = provider.clients.get(req.params.id);
    if (!requireRegistrationToken(req.headers.authorization) || !client) return reply.code(client ? 401 : 404).send({ error: 'invalid_request' });
    Object.assign(client, { client_name: req.body.client_name, redirect_uris: req.body.redirect_uris, grant_types: req.body.grant_types });
    return client;
  });
  app.delete<{ Params: { id: string } }>('/connect/register/:id', async (req, reply) => {
    if (!requireRegistrationToken(req.headers.authorization)) return reply.code(401).send({ error: 'invalid_token' });
    return reply.code(provider.clients.delete(req.params.id) ? 204 : 404).send();
  });

  app.get<{ Querystring: Record<string, string> }>('/authorize', async (req, reply) => {
    const q = req.query;
    const client = provider.clients.get(q.client_id);
    if (!client) return reply.code(400).send({ error: 'invalid_client', error_description: 'Unknown client_id' });
    if (!client.redirect_uris.includes(q.redirect_uri)) return reply.code(400).send({ error: 'invalid_request', error_description: "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings" });
    const username = q.login_hint && users[q.login_hint] ? q.login_hint : Object.keys(users)[0];
    const code = random();
    codes.set(code, { clientId: client.client_id, redirectUri: q.redirect_uri, nonce: q.nonce, username });
    const back = new URL(q.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    return reply.redirect(back.toString(), 302);
  });

  app.post<{ Body: Record<string, string> }>('/token', async (req, reply) => {
    const client = authenticated(req.headers.authorization);
    if (!client) return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication failed' });
    const body = req.body ?? {};
    if (!client.grant_types.includes(body.grant_type)) return reply.code(400).send({ error: 'unauthorized_client', error_description: `The client may not use ${body.grant_type}` });
    if (body.grant_type === 'client_credentials') {
      const token = provider.tokenFor(client.client_id, body.scope ?? '');
      return { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: body.scope ?? '' };
    }
    if (body.grant_type === 'authorization_code') {
      const grant = codes.get(body.code);
      codes.delete(body.code);
      if (!grant || grant.clientId !== client.client_id || grant.redirectUri !== body.redirect_uri) return reply.code(400).send({ error: 'invalid_grant', error_description: 'The authorization code is invalid' });
      const access = random();
      tokens.set(access, { clientId: client.client_id, scope: 'openid profile email', exp: Math.floor(Date.now() / 1000) + 3600, username: grant.username });
      const now = Math.floor(Date.now() / 1000);
      const idToken = signJwt({ iss: provider.issuer, aud: client.client_id, sub: grant.username, nonce: grant.nonce, iat: now, exp: now + 3600 });
      return { access_token: access, token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email', id_token: idToken };
    }
    return reply.code(400).send({ error: 'unsupported_grant_type' });
  });

  app.post<{ Body: Record<string, string> }>('/introspect', async (req, reply) => {
    provider.introspections++;
    const creds = basic(req.headers.authorization);
    if (!creds || creds.id !== provider.introspectionClient.id || creds.secret !== provider.introspectionClient.secret) return reply.code(401).send({ error: 'invalid_client' });
    if (provider.introspectionMode === 'error') return reply.code(500).send('upstream exploded');
    if (provider.introspectionMode === 'garbage') return { hello: 'world' };
    const t = tokens.get(req.body?.token ?? '');
    if (!t || t.exp * 1000 <= Date.now() || !provider.clients.has(t.clientId)) return { active: false };
    return { active: true, scope: t.scope, client_id: t.clientId, token_type: 'Bearer', exp: t.exp, iat: t.exp - 3600, sub: t.username ?? t.clientId, iss: provider.issuer, ...(t.username ? { username: t.username } : {}) };
  });

  app.get('/userinfo', async (req, reply) => {
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const t = tokens.get(token);
    if (!t?.username) return reply.code(401).send({ error: 'invalid_token' });
    return { sub: t.username, preferred_username: t.username, ...users[t.username] };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const introspectionClient = { id: random(12), secret: random(24) };
  Object.assign(provider, {
    url,
    issuer: url,
    registrationToken: random(),
    introspectionClient,
    clients: new Map<string, ProviderClient>(),
    registrations: [],
    introspections: 0,
    introspectionMode: 'ok',
    urls: { register: `${url}/connect/register`, authorize: `${url}/authorize`, token: `${url}/token`, introspect: `${url}/introspect`, userinfo: `${url}/userinfo` },
    addClient(c: Partial<ProviderClient> & { grant_types: string[] }) {
      const client: ProviderClient = { client_id: random(12), client_secret: random(24), client_name: 'manual', redirect_uris: [], ...c };
      provider.clients.set(client.client_id, client);
      return client;
    },
    tokenFor(clientId: string, scope: string, ttlSeconds = 3600) {
      const token = random();
      tokens.set(token, { clientId, scope, exp: Math.floor(Date.now() / 1000) + ttlSeconds });
      return token;
    },
    close: () => app.close(),
  });
  provider.clients.set(introspectionClient.id, { client_id: introspectionClient.id, client_secret: introspectionClient.secret, client_name: 'introspection', redirect_uris: [], grant_types: ['client_credentials'] });
  return provider;
}
