import { generateKeyPairSync, randomBytes, sign as signBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/codec';
import { bearerTokenEquals, codecServerAccessFromEnv, jwtBearer, startCodecServer, type RunningCodecServer } from '../../src/temporal/codec-server';

const UI = 'http://127.0.0.1:8233';
const toJson = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

describe('the codec server for the Web UI', () => {
  const codec = new EncryptionCodec({ id: 'k1', key: randomBytes(32) });
  let server: RunningCodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, port: 0 });
  });
  afterAll(() => server?.close());

  const post = (path: string, body: unknown, origin = UI) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin, 'X-Namespace': 'default' }, body: JSON.stringify(body) });

  it('decodes what the worker encoded, in the proto-JSON shape the UI sends', async () => {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload({ tenant: 'acme' })]);
    const res = await post('/decode', { payloads: [toJson(encoded)] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual({ tenant: 'acme' });
  });

  it('answers the browser preflight and refuses other origins', async () => {
    const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect((await post('/decode', { payloads: [] }, 'https://evil.example')).status).toBe(403);
  });

  it('reports an unknown key id as a 400 with the codec error code', async () => {
    const [foreign] = await new EncryptionCodec({ id: 'other', key: randomBytes(32) }).encode([defaultPayloadConverter.toPayload(1)]);
    const res = await post('/some/prefix/decode', { payloads: [toJson(foreign)] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'CODEC_KEY_UNKNOWN' });
  });
});

describe('the codec server beyond loopback: a bearer token or nothing', () => {
  const codec = new EncryptionCodec({ id: 'k1', key: randomBytes(32) });
  const decode = (url: string, authorization?: string) =>
    fetch(`${url.replace('0.0.0.0', '127.0.0.1')}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: UI, ...(authorization ? { Authorization: authorization } : {}) }, body: JSON.stringify({ payloads: [] }) });

  it('refuses to listen beyond loopback without a token check, naming the settings that add one', async () => {
    await expect(startCodecServer({ codec, port: 0, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'CODEC_SERVER_UNPROTECTED', message: expect.stringMatching(/CODEC_SERVER_TOKEN.*pass access token/) });
    expect(() => codecServerAccessFromEnv({ CODEC_SERVER_JWKS_URL: 'https://idp.example/keys' })).toThrow(/CODEC_SERVER_JWT_ISSUER/);
    // On loopback it still needs none (the tests above).
  });

  it('with a shared token: 401 without it or with another, 200 with it', async () => {
    const server = await startCodecServer({ codec, port: 0, host: '0.0.0.0', ...codecServerAccessFromEnv({ CODEC_SERVER_TOKEN: 'codec-secret' }) });
    try {
      const missing = await decode(server.url);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await decode(server.url, 'Bearer not-it')).status).toBe(401);
      expect((await decode(server.url, 'Basic Y29kZWMtc2VjcmV0')).status).toBe(401);
      expect((await decode(server.url, 'Bearer codec-secret')).status).toBe(200);
    } finally {
      await server.close();
    }
    expect(bearerTokenEquals('a')('a')).toBe(true);
    expect(bearerTokenEquals('a')('ab')).toBe(false);
  });

  describe('with the Web UI forwarding its user\'s access token (a JWT)', () => {
    let jwks: Server;
    let jwksUrl: string;
    let sign: (claims: { iss?: string; aud?: string; exp?: number; kid?: string }, key?: KeyObject) => string;
    let jwksFetches = 0;
    beforeAll(async () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'ui-1', alg: 'RS256', use: 'sig' };
      jwks = createServer((_req, res) => {
        jwksFetches++;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`;
      // A JWS made by hand (RFC 7515 compact form), so the test shares no code with the verifier.
      sign = ({ iss = 'https://idp.example', aud = 'temporal-ui', exp = Math.floor(Date.now() / 1000) + 300, kid = 'ui-1' }, key = privateKey) => {
        const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const input = `${part({ alg: 'RS256', kid, typ: 'JWT' })}.${part({ sub: 'ada@example.com', iss, aud, exp, iat: Math.floor(Date.now() / 1000) })}`;
        return `${input}.${signBytes('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
      };
    });
    afterAll(() => new Promise<void>((r) => jwks.close(() => r())));

    it('decodes for a valid token and refuses one of another audience or issuer, an expired one, or a forged one', async () => {
      const server = await startCodecServer({ codec, port: 0, host: '0.0.0.0', authorize: jwtBearer({ jwksUrl, issuer: 'https://idp.example', audience: 'temporal-ui' }) });
      try {
        expect((await decode(server.url, `Bearer ${sign({})}`)).status).toBe(200);
        expect((await decode(server.url, `Bearer ${sign({ aud: 'another-app' })}`)).status).toBe(401);
        expect((await decode(server.url, `Bearer ${sign({ iss: 'https://elsewhere.example' })}`)).status).toBe(401);
        expect((await decode(server.url, `Bearer ${sign({ exp: Math.floor(Date.now() / 1000) - 60 })}`)).status).toBe(401);
        expect((await decode(server.url, `Bearer ${sign({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)}`)).status).toBe(401);
        expect((await decode(server.url, 'Bearer not.a.jwt')).status).toBe(401);
      } finally {
        await server.close();
      }
    });

    it('fetches the keys again for an unknown kid at most every 30 s: made-up kids cannot make each request a JWKS fetch', async () => {
      let now = Date.now();
      const authorize = jwtBearer({ jwksUrl, issuer: 'https://idp.example', audience: 'temporal-ui', now: () => now });
      const before = jwksFetches;
      await expect(authorize(sign({}))).resolves.toBe(true);
      for (let i = 0; i < 5; i++) await expect(authorize(sign({ kid: `made-up-${i}` }))).resolves.toBe(false);
      expect(jwksFetches - before).toBe(1);
      now += 31_000; // as after a key rotation: the next unknown kid looks again
      await expect(authorize(sign({ kid: 'made-up-later' }))).resolves.toBe(false);
      expect(jwksFetches - before).toBe(2);
      await expect(authorize(sign({}))).resolves.toBe(true);
      expect(jwksFetches - before).toBe(2);
    });
  });
});
