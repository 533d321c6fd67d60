/* eslint-disable @typescript-eslint/no-explicit-any -- provider responses are open JSON documents. */
import { request } from 'undici';
import { startOpenAmSandbox, type OpenAmSandbox, type OpenAmState } from '../../../../src/sandbox/openam';

/*
 * The strict RFC 7591 provider the Anypoint and gateway tests run against: the OpenAM emulator, i.e. the
 * certified oidc-provider library configured strictly, not a double written to accept what Anypoint sends.
 * Everything goes through its real endpoints; the kit's admin API only reads its state and expires tokens.
 */

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  [field: string]: any;
}

export class StrictProvider {
  constructor(readonly sandbox: OpenAmSandbox) {}

  get issuer() {
    return this.sandbox.issuer;
  }

  get urls() {
    return this.sandbox.urls;
  }

  /** The initial access token registration needs (`Authorization: Bearer …`). */
  get registrationToken() {
    return this.sandbox.initialAccessToken;
  }

  get introspectionClient() {
    return { id: this.sandbox.introspectionClient.clientId, secret: this.sandbox.introspectionClient.clientSecret };
  }

  /** Registers a client with the initial access token, as an admin or a script would (RFC 7591). */
  async registerClient(metadata: Record<string, unknown>): Promise<RegisteredClient> {
    const res = await request(this.urls.register, { method: 'POST', headers: { authorization: this.sandbox.registrationAuthorization, 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
    const body = (await res.body.json()) as RegisteredClient;
    if (res.statusCode !== 201) throw new Error(`registration: ${res.statusCode} ${JSON.stringify(body)}`);
    return body;
  }

  /** A confidential client_credentials client made directly in the provider. */
  registerServiceClient(name = 'made in the IdP'): Promise<RegisteredClient> {
    return this.registerClient({ client_name: name, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
  }

  /** Replaces a client's metadata through its RFC 7592 handle, as the client's owner would. */
  async updateClient(client: RegisteredClient, changes: Record<string, unknown>): Promise<RegisteredClient> {
    const { registration_access_token: token, registration_client_uri: uri, client_id_issued_at: _issued, client_secret_expires_at: _expires, ...metadata } = client;
    const res = await request(uri, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...metadata, ...changes }) });
    const body = (await res.body.json()) as RegisteredClient;
    if (res.statusCode !== 200) throw new Error(`update: ${res.statusCode} ${JSON.stringify(body)}`);
    return { ...body, registration_access_token: body.registration_access_token ?? token };
  }

  /** The client as the provider stores it, or undefined. */
  async client(clientId: string): Promise<Record<string, any> | undefined> {
    const state = await this.sandbox.admin.state<OpenAmState>();
    return state.models.Client?.[clientId]?.payload;
  }

  /** A client_credentials access token from the token endpoint. */
  async tokenFor(client: { clientId: string; clientSecret: string }, scope: string): Promise<string> {
    const res = await this.tokenRequest(client, scope);
    if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token;
  }

  async tokenRequest(client: { clientId: string; clientSecret: string }, scope: string): Promise<{ status: number; body: any }> {
    const res = await request(this.urls.token, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    return { status: res.statusCode, body: await res.body.json() };
  }

  /** Expires every access token already issued (admin API). */
  expireTokens(): Promise<void> {
    return this.sandbox.admin.post('/openam/tokens/expire');
  }

  /** How many introspection calls the provider has answered so far. */
  async introspections(): Promise<number> {
    const { counts } = await this.sandbox.admin.requests();
    return counts[`POST ${new URL(this.urls.introspect).pathname}`] ?? 0;
  }

  close() {
    return this.sandbox.close();
  }
}

/** Starts the strict provider with the scopes the tests use. */
export async function startStrictProvider(): Promise<StrictProvider> {
  return new StrictProvider(await startOpenAmSandbox({ scopes: ['silver', 'gold', 'bronze'] }));
}
