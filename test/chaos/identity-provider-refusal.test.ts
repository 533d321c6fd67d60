import { AnypointClient } from '../../src/clients/anypoint';
import { ExternalApiError } from '../../src/clients/errors';
import { UPSTREAM_REFUSAL_ATTEMPTS } from '../../src/clients/upstream-provider';
import { startAllSandboxes, type AllSandboxes } from '../../src/sandbox';
import { SandboxAdminClient } from '../../src/sandbox/core';

/*
 * An identity provider with dynamic registration makes Anypoint register its SSO client at the
 * OpenID provider (Okta's /oauth2/v1/clients). When that call fails, Anypoint answers 400 "Invalid
 * OIDC provider client registration URL provided", as for a client provider: the worker checks the
 * provider before anyone blames the tenant file.
 */
describe('an identity provider refused because Anypoint could not reach the OpenID provider', () => {
  let sandboxes: AllSandboxes;
  let okta: SandboxAdminClient;
  let anypoint: AnypointClient;
  let orgId: string;
  beforeEach(async () => {
    sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0 } });
    okta = new SandboxAdminClient(sandboxes.okta.url);
    anypoint = new AnypointClient({ baseUrl: sandboxes.anypoint.url, clientId: sandboxes.anypoint.connectedApp.clientId, clientSecret: sandboxes.anypoint.connectedApp.clientSecret });
    orgId = (await anypoint.me()).orgId;
  });
  afterEach(async () => {
    await anypoint.close();
    await sandboxes.close();
  });

  const issuer = () => `${sandboxes.okta.url}/oauth2/default`;
  const dynamicIdp = (registerUrl: string) => ({
    name: 'Okta SSO',
    type: { name: 'openid' },
    oidc_provider: {
      issuer: issuer(),
      urls: { authorize: `${issuer()}/v1/authorize`, token: `${issuer()}/v1/token`, userinfo: `${issuer()}/v1/userinfo` },
      client: { urls: { register: registerUrl }, registration: { authorization: `SSWS ${sandboxes.okta.apiToken}` } },
    },
  });
  const refusal = (body: ReturnType<typeof dynamicIdp>) => anypoint.createIdentityProvider(orgId, body).then(() => undefined, (err: unknown) => err as ExternalApiError);

  it('one dropped registration request that only Anypoint makes → a retryable refusal, bounded, saying the provider answers the worker', async () => {
    await okta.addFault({ kind: 'drop', method: 'POST', path: '^/oauth2/v1/clients$', times: 1 });
    const err = await refusal(dynamicIdp(`${sandboxes.okta.url}/oauth2/v1/clients`));
    expect(err).toBeInstanceOf(ExternalApiError);
    expect(err).toMatchObject({ kind: 'server', code: 'UPSTREAM_PROVIDER_REFUSED', attemptLimit: UPSTREAM_REFUSAL_ATTEMPTS });
    expect(err!.fix).toMatch(/Nothing to change in the tenant file/);
    // The next attempt goes through.
    await expect(anypoint.createIdentityProvider(orgId, dynamicIdp(`${sandboxes.okta.url}/oauth2/v1/clients`))).resolves.toMatchObject({ name: 'Okta SSO' });
  });

  it('a registration URL nobody answers → fails naming the provider and its URL as the cause, not the tenant file', async () => {
    const closed = `${sandboxes.okta.url.replace(/:\d+$/, ':1')}/oauth2/v1/clients`;
    const err = await refusal(dynamicIdp(closed));
    expect(err).toMatchObject({ code: 'UPSTREAM_PROVIDER', attemptLimit: UPSTREAM_REFUSAL_ATTEMPTS });
    expect(err!.fix).toContain(`The OpenID provider at ${closed} is the cause, not the tenant file`);
  });

  it('a provider that answered and refused (its own words quoted) is left as Anypoint said it', async () => {
    const wrong = { ...dynamicIdp(`${sandboxes.okta.url}/oauth2/v1/clients`), oidc_provider: { ...dynamicIdp('').oidc_provider, client: { urls: { register: `${sandboxes.okta.url}/oauth2/v1/clients` }, registration: { authorization: 'SSWS 00wrong' } } } };
    const err = await refusal(wrong);
    expect(err).toMatchObject({ kind: 'validation', status: 400 });
    expect(String(err!.code)).not.toMatch(/UPSTREAM_PROVIDER/);
    expect(err!.message).toMatch(/Invalid OIDC provider client registration URL provided: .*Invalid token provided/);
  });
});
