import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@okta/okta-sdk-nodejs';
import { request } from 'undici';
import { SandboxAdminClient } from '../../../../src/sandbox/core';
import { startOktaSandbox, type OktaSandbox, type OktaSandboxOptions } from '../../../../src/sandbox/okta';
import { expectSpec, operationFor } from './spec';

// The SDK reads OKTA_CLIENT_* and proxies from the environment; a stray value would leak into every test.
for (const key of Object.keys(process.env)) if (key.startsWith('OKTA_CLIENT_') || /^https?_proxy$/i.test(key)) delete process.env[key];

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are open JSON documents. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

export interface CallOptions {
  json?: unknown;
  /** Sent form-encoded (OAuth endpoints). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** `ssws` (default) sends the sandbox token; `none` sends no Authorization header. */
  auth?: 'ssws' | 'none';
  /** When set, the body must match the published spec for this operation and the reply's status. */
  op?: string;
}

const joseScript = join(__dirname, 'jose-verify.mjs');
const run = promisify(execFile);

/** A running Okta sandbox plus the ways the tests talk to it: raw HTTP (undici), the official SDK, admin. */
export class TestOkta {
  readonly admin: SandboxAdminClient;
  private readonly sdkResponses: Promise<{ method: string; url: string; status: number; text: string }>[] = [];

  constructor(readonly sandbox: OktaSandbox) {
    const address = sandbox.app.server.address() as { port: number };
    this.admin = new SandboxAdminClient(`http://127.0.0.1:${address.port}`);
  }

  /** The sandbox's public URL (what it puts in issuers and links). */
  get url(): string {
    return this.sandbox.url;
  }

  /** Where it actually listens; differs from {@link url} when started with `publicUrl`. */
  get localUrl(): string {
    const address = this.sandbox.app.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  get token(): string {
    return this.sandbox.apiToken;
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.auth === 'none' ? {} : { authorization: `SSWS ${this.token}` }) };
    let body: string | undefined;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof opts.json === 'string' ? opts.json : JSON.stringify(opts.json);
    }
    Object.assign(headers, opts.headers);
    const res = await request(path.startsWith('http') ? path : `${this.localUrl}${path}`, { method, headers, body, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (opts.op) expectSpec(opts.op, res.statusCode, parsed);
    return { status: res.statusCode, headers: res.headers, body: parsed, text };
  }

  /**
   * The unmodified official SDK pointed at the sandbox, GET cache off; what it receives is audited by
   * {@link auditSdk}. Loaded on first use: requiring it costs seconds, which suites without it need not pay.
   */
  async sdk(extra: Record<string, unknown> = {}): Promise<Client> {
    const { Client: SdkClient } = await import('@okta/okta-sdk-nodejs');
    const client = new SdkClient({ orgUrl: this.url, token: this.token, cacheMiddleware: null, ...extra } as never);
    // Methods by URL, first in first out, to pair each response with its request.
    const pending = new Map<string, string[]>();
    client.requestExecutor.on('request', (req: { method?: string; url: string }) => {
      pending.set(req.url, [...(pending.get(req.url) ?? []), req.method ?? 'GET']);
    });
    client.requestExecutor.on('response', (response: { clone(): { text(): Promise<string> }; status: number; url: string }) => {
      const method = pending.get(response.url)?.shift() ?? 'GET';
      const copy = response.clone();
      this.sdkResponses.push(copy.text().then((text) => ({ method, url: response.url, status: response.status, text })));
    });
    return client;
  }

  /** Checks every body the SDK received so far against the published spec; returns how many were checked. */
  async auditSdk(): Promise<number> {
    const responses = await Promise.all(this.sdkResponses.splice(0));
    for (const r of responses) {
      const path = new URL(r.url).pathname.replace(/\/{2,}/g, '/');
      const op = operationFor(r.method, path);
      if (!op) throw new Error(`no spec operation for ${r.method} ${path}`);
      expectSpec(op, r.status, r.text ? JSON.parse(r.text) : undefined);
    }
    return responses.length;
  }

  /** Verifies a JWT with jose's createRemoteJWKSet against the server's `/v1/keys`. */
  async verifyWithJose(token: string, authServerId: string, audience: string): Promise<{ ok: boolean; payload?: any; protectedHeader?: any; code?: string }> {
    const issuer = `${this.url}/oauth2/${authServerId}`;
    return this.verifyWithJoseAt(`${issuer}/v1/keys`, token, issuer, audience);
  }

  /** As {@link verifyWithJose}, for any issuer (the org authorization server publishes `/oauth2/v1/keys`). */
  async verifyWithJoseAt(jwksUrl: string, token: string, issuer: string, audience: string): Promise<{ ok: boolean; payload?: any; protectedHeader?: any; code?: string }> {
    const { stdout } = await run(process.execPath, [joseScript, jwksUrl, token, issuer, audience]);
    return JSON.parse(stdout);
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}

export async function startTestOkta(opts: OktaSandboxOptions = {}): Promise<TestOkta> {
  return new TestOkta(await startOktaSandbox(opts));
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** All `Link` headers of a reply, parsed into rel → URL. */
export function links(reply: Reply): Record<string, string> {
  const raw = [reply.headers.link ?? []].flat().join(', ');
  return Object.fromEntries([...raw.matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)].map((m) => [m[2], m[1]]));
}

/** Creates a confidential service app (client_credentials) and returns its id and secret. */
export async function createServiceApp(okta: TestOkta, label = 'Service client'): Promise<{ id: string; secret: string; body: any }> {
  const res = await okta.call('POST', '/api/v1/apps', {
    op: 'createApplication',
    json: {
      name: 'oidc_client',
      label,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
      settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'], response_types: ['token'], redirect_uris: [] } },
    },
  });
  if (res.status !== 200) throw new Error(`create app failed: ${res.text}`);
  return { id: res.body.id, secret: res.body.credentials.oauthClient.client_secret, body: res.body };
}

/** A custom authorization server with one scope, as the MuleSoft guides set one up (no policy yet). */
export async function createServerWithScope(okta: TestOkta, name = 'MuleSoft', scope = 'mulescope'): Promise<{ id: string; issuer: string; audience: string }> {
  const audience = `api://${name.toLowerCase().replace(/\W+/g, '-')}`;
  const as = await okta.call('POST', '/api/v1/authorizationServers', { op: 'createAuthorizationServer', json: { name, description: `${name} APIs`, audiences: [audience] } });
  if (as.status !== 201) throw new Error(`create AS failed: ${as.text}`);
  const sc = await okta.call('POST', `/api/v1/authorizationServers/${as.body.id}/scopes`, {
    op: 'createOAuth2Scope',
    json: { name: scope, description: 'Mule scope', consent: 'IMPLICIT', metadataPublish: 'ALL_CLIENTS', default: false },
  });
  if (sc.status !== 201) throw new Error(`create scope failed: ${sc.text}`);
  return { id: as.body.id, issuer: as.body.issuer, audience };
}

/** An ALL_CLIENTS policy with one rule for `grantTypes` and `scopes`; returns their ids. */
export async function createPolicyAndRule(
  okta: TestOkta,
  asId: string,
  rule: { grantTypes: string[]; scopes: string[]; groups?: string[]; lifetimeMinutes?: number; clients?: string[] },
): Promise<{ policyId: string; ruleId: string }> {
  const policy = await okta.call('POST', `/api/v1/authorizationServers/${asId}/policies`, {
    op: 'createAuthorizationServerPolicy',
    json: { type: 'OAUTH_AUTHORIZATION_POLICY', name: 'MuleSoft access', description: 'MuleSoft APIs', priority: 1, status: 'ACTIVE', conditions: { clients: { include: rule.clients ?? ['ALL_CLIENTS'] } } },
  });
  if (policy.status !== 201) throw new Error(`create policy failed: ${policy.text}`);
  const created = await okta.call('POST', `/api/v1/authorizationServers/${asId}/policies/${policy.body.id}/rules`, {
    op: 'createAuthorizationServerPolicyRule',
    json: {
      type: 'RESOURCE_ACCESS',
      name: 'rule',
      priority: 1,
      status: 'ACTIVE',
      conditions: {
        grantTypes: { include: rule.grantTypes },
        scopes: { include: rule.scopes },
        ...(rule.groups ? { people: { groups: { include: rule.groups } } } : {}),
      },
      actions: { token: { accessTokenLifetimeMinutes: rule.lifetimeMinutes ?? 60, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 } },
    },
  });
  if (created.status !== 201) throw new Error(`create rule failed: ${created.text}`);
  return { policyId: policy.body.id, ruleId: created.body.id };
}
