import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { checkAnypointAccess, checkOktaAccess, ensureVerificationUser } from '../../src/activities';
import { proveUserSignIn } from '../../src/activities/sign-in-proof';
import { request, type Dispatcher } from 'undici';
import { renderProgress } from '../../src/cli/render';
import { OktaClient } from '../../src/clients/okta';
import { isConfigurationWrite } from '../../src/sandbox/core';
import type { OktaTenantConfig } from '../../src/config/tenant';
import { CATALOGUE } from '../../src/workflows/catalogue';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';
import { autoAssignment, expectCompletedAndProven } from './support/onboarding-run';

/*
 * What the guides (../shared/seeds) do beyond the resources, proven on the sandboxes: the RAML
 * published with the tenant's URLs (seed 002); the preflight's checks of what the guides leave to the
 * first write: the Okta token's admin role, and the one client provider an API instance takes.
 */

interface AssetFile {
  classifier: string;
  packaging: string;
  contentBase64?: string;
}
interface AssetRecord {
  assetId: string;
  version: string;
  files: AssetFile[];
}

describe('the guides, end to end on the sandboxes', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  beforeAll(async () => {
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  let signInUrl: string | undefined;
  const tenantOf = (mutate: (cfg: OktaTenantConfig) => OktaTenantConfig = (c) => c) =>
    stack.tenant((cfg) => mutate({ ...(autoAssignment(cfg) as OktaTenantConfig), tenant: { ...cfg.tenant, id: uniqueId('guides').toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));

  it("publishes the RAML with its OAuth 2.0 security scheme pointing at the tenant's authorization server, and says so in the plan", async () => {
    // A version the sandbox does not seed, so this run publishes it.
    const cfg = tenantOf((c) => ({ ...c, anypoint: { ...c.anypoint, api: { ...c.anypoint.api, asset: { ...c.anypoint.api.asset, version: '1.1.0' } } } }));
    const progress = await (await stack.worker()).runUntil(async () => (await (await stack.start(cfg)).result()).progress);
    expectCompletedAndProven(progress);

    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    const server = await okta.findAuthorizationServerByName('solar-system');
    const metadata = await okta.getMetadata(server!.id!);
    const key = CATALOGUE.asset.key(null);
    expect(progress.steps.find((s) => s.key === key)?.outcome).toBe('created');
    signInUrl = progress.ssoSignInUrl;
    // The server did not exist when the plan was read: the plan names the scheme, the URLs come at publication.
    expect(progress.plan?.entries.find((e) => e.key === key)).toMatchObject({
      action: 'create',
      resource: "Exchange asset solar-system 1.1.0, security scheme oauth_2_0: authorizationUri and accessTokenUri from the authorization server's metadata",
    });

    // Exchange holds the file as published: stored (uncompressed) in its zip, so the text is readable as it is.
    const { assets } = (await stack.state()).anypoint as unknown as { assets: AssetRecord[] };
    const published = assets.find((a) => a.assetId === cfg.anypoint.api.asset.assetId && a.version === '1.1.0')!;
    const zip = Buffer.from(published.files.find((f) => f.classifier === 'raml')!.contentBase64!, 'base64').toString('utf8');
    expect(zip).toContain(`authorizationUri: ${metadata.authorization_endpoint}`);
    expect(zip).toContain(`accessTokenUri: ${metadata.token_endpoint}`);
    expect(zip).not.toContain('example.okta.com');

    // Once the server exists, the plan of another version names the URLs it will write.
    const next = { ...cfg, anypoint: { ...cfg.anypoint, api: { ...cfg.anypoint.api, asset: { ...cfg.anypoint.api.asset, version: '1.2.0' } } } };
    const { planOnboarding, checkAnypointAccess } = await import('../../src/activities');
    const plan = await planOnboarding(next, await checkAnypointAccess(next));
    expect(plan.entries.find((e) => e.key === key)?.resource).toBe(
      `Exchange asset solar-system 1.2.0, security scheme oauth_2_0 pointed at the authorization server: authorizationUri ${metadata.authorization_endpoint}, accessTokenUri ${metadata.token_endpoint}`,
    );
  }, 180_000);

  /** The sandboxes' configuration writes since `from` (sequence numbers of their request logs). */
  async function writesSince(from: { okta: number; anypoint: number }): Promise<string[]> {
    const entries = [...(await stack.okta.requests(from.okta)).entries, ...(await stack.anypoint.requests(from.anypoint)).entries];
    return entries.filter(isConfigurationWrite).map((e) => `${e.method} ${e.url}`);
  }
  const logPosition = async () => ({ okta: (await stack.okta.requests()).total, anypoint: (await stack.anypoint.requests()).total });

  it("a verification user whose password Okta refuses is a verdict with the fix, not retried, and the password is in no message", async () => {
    // The tenant of the first test is onboarded: its users exist with the sandbox's passwords.
    const cfg = tenantOf();
    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    const server = await okta.findAuthorizationServerByName('solar-system');
    const metadata = await okta.getMetadata(server!.id!);
    const ctx = await checkAnypointAccess(cfg);
    const wrong = 'not-the-password-Zx81!';
    process.env.GUIDES_WRONG_PASSWORD = wrong;
    const [first] = cfg.verification.signIn!.users;
    const withWrongPassword: OktaTenantConfig = { ...cfg, verification: { ...cfg.verification, signIn: { ...cfg.verification.signIn!, users: [{ ...first, password: { env: 'GUIDES_WRONG_PASSWORD' } }] } } };
    const before = (await stack.okta.requests()).total;
    const endpoints = { issuer: metadata.issuer, authorize: metadata.authorization_endpoint, token: metadata.token_endpoint, introspect: metadata.introspection_endpoint, register: metadata.registration_endpoint, userinfo: metadata.userinfo_endpoint ?? '', keys: metadata.jwks_uri };
    const err = await proveUserSignIn(withWrongPassword, ctx, endpoints).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^Okta refused the sign-in of ${first.login.replace('.', '\\.')} \\(.*\\)\\. Fix: check the user's password reference in verification\\.signIn\\.users`));
    expect((err as Error).message).not.toContain(wrong);
    // One sign-in, refused (401), and not tried again.
    const authn = (await stack.okta.requests(before)).entries.filter((e) => e.url.startsWith('/api/v1/authn'));
    expect(authn.map((e) => e.status)).toEqual([401]);
  });

  it('a verification user who is not ACTIVE stops its step with the fix, instead of an "update" that cannot activate it', async () => {
    // The tenant of the first test is onboarded: its users exist, ACTIVE.
    const cfg = tenantOf();
    const [first] = cfg.verification.signIn!.users;
    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    const user = (await okta.findUserByLogin(first.login))!;
    const lifecycle = (action: 'activate' | 'deactivate') =>
      request(`${stack.sandboxes.okta.url}/api/v1/users/${user.id}/lifecycle/${action}?sendEmail=false`, { method: 'POST', headers: { authorization: `SSWS ${stack.sandboxes.okta.apiToken}`, accept: 'application/json' } }).then((r) => r.body.dump());
    await lifecycle('deactivate');
    try {
      const err = await ensureVerificationUser(cfg, first.login).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'config', nonRetryable: true });
      expect((err as Error).message).toBe(
        `Okta user ${first.login} (verification.signIn.users) is DEPROVISIONED, so the sign-in proof cannot sign in as it. Fix: activate it in Okta (Directory → People → ${first.login}: Activate, Unsuspend or Unlock), or remove it from verification.signIn.users.`,
      );
    } finally {
      await lifecycle('activate');
    }
    await expect(ensureVerificationUser(cfg, first.login)).resolves.toMatchObject({ outcome: 'unchanged', id: user.id });
  });

  it("refuses in preflight an Okta token whose admin may not write (E0000006 otherwise at the first write), naming the roles and the fix", async () => {
    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    const me = await okta.verifyApiToken();
    const cfg = tenantOf();
    await stack.okta.put(`/okta/admin-roles/${me.userId}`, { roles: ['READ_ONLY_ADMIN'] });
    try {
      const from = await logPosition();
      const err = await checkOktaAccess(cfg).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'config', nonRetryable: true });
      expect((err as Error).message).toContain(`acts as ${me.login}, whose administrator roles (READ_ONLY_ADMIN) may not write authorization servers, scopes and policies (needs SUPER_ADMIN or API_ACCESS_MANAGEMENT_ADMIN)`);
      expect((err as Error).message).toContain('Fix: create the token as a Super Administrator');
      expect(await writesSince(from)).toEqual([]);

      // An App Administrator alone still lacks authorization servers and groups.
      await stack.okta.put(`/okta/admin-roles/${me.userId}`, { roles: ['APP_ADMIN'] });
      const partial = await checkOktaAccess(cfg).catch((e: Error) => e.message);
      expect(partial).toMatch(/may not write authorization servers, scopes and policies .*; groups \(needs SUPER_ADMIN or ORG_ADMIN or USER_ADMIN\); users \(verification\.signIn\.users\) \(needs SUPER_ADMIN or ORG_ADMIN or USER_ADMIN\)/);
      expect(partial).not.toContain('apps and their assignments');
    } finally {
      await stack.okta.put(`/okta/admin-roles/${me.userId}`, { roles: ['SUPER_ADMIN'] });
    }
    await expect(checkOktaAccess(cfg)).resolves.toBeUndefined();
  });

  it('refuses in preflight, before any write, an API instance that already has another client provider, and explains it', async () => {
    // The first test onboarded an instance "solar-system" with client provider "Okta DCR".
    const cfg = tenantOf((c) => ({ ...c, anypoint: { ...c.anypoint, clientProvider: { name: 'Another Okta DCR' } } }));
    const from = await logPosition();
    const err = await checkAnypointAccess(cfg).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'config', nonRetryable: true });
    expect((err as Error).message).toMatch(/^API instance "solar-system" \[\d+\] already uses the client provider "Okta DCR", not "Another Okta DCR": an API instance has one client provider/);
    expect((err as Error).message).toContain('Fix: give this tenant its own anypoint.api.instanceLabel, or set anypoint.clientProvider.name to "Okta DCR"');
    expect(await writesSince(from)).toEqual([]);
    // The same tenant file with the provider the instance uses passes.
    await expect(checkAnypointAccess(tenantOf())).resolves.toMatchObject({ orgId: expect.any(String) });
  });

  it("SSO (seed 000): a person opens the org's /login/domain/{domain} URL, signs in on Okta's page with a password, and reaches Anypoint", async () => {
    expect(signInUrl).toBe(`${stack.sandboxes.anypoint.url}/login/domain/${stack.sandboxes.anypoint.orgDomain}`);
    expect(renderProgress({ tenantId: 't', phase: 'completed', startedAt: '', steps: [], remindersSent: 0, missingAssignments: [], ssoSignInUrl: signInUrl })).toContain(`Sign in to Anypoint through Okta at: ${signInUrl}`);
    const browser = new Browser();
    const toAccounts = await browser.get(signInUrl!);
    const toOkta = await browser.get(toAccounts);
    const toSignInPage = await browser.get(toOkta);
    expect(new URL(toSignInPage).pathname).toBe('/login/login.htm');
    const fromURI = new URL(toSignInPage).searchParams.get('fromURI')!;
    // The form Okta's page posts (field names of the Sign-In Widget), with the user's password.
    let next = await browser.post(new URL('/login/login.htm', toSignInPage).href, { username: 'carl.sagan@example.com', password: process.env.SOLAR_SILVER_USER_PASSWORD!, fromURI });
    for (let hops = 0; hops < 5 && !next.startsWith(stack.sandboxes.anypoint.url); hops++) next = await browser.get(next);
    const landed = await request(next, { headers: { cookie: browser.cookies() } });
    expect(landed.statusCode).toBe(200);
    expect(await landed.body.json()).toMatchObject({ loggedIn: true, user: { username: 'carl.sagan@example.com' } });
  });
});

/** Follows one redirect at a time, keeping cookies per host, as a browser does. */
class Browser {
  private readonly jar = new Map<string, string>();
  cookies(): string {
    return [...this.jar.values()].join('; ');
  }
  private keep(res: Dispatcher.ResponseData): void {
    for (const raw of [res.headers['set-cookie'] ?? []].flat()) {
      const pair = String(raw).split(';')[0];
      this.jar.set(pair.split('=')[0], pair);
    }
  }
  private async location(url: string, res: Dispatcher.ResponseData): Promise<string> {
    await res.body.dump();
    this.keep(res);
    const to = res.headers.location;
    if (res.statusCode !== 302 || typeof to !== 'string') throw new Error(`${url} answered ${res.statusCode}, not a redirect`);
    return new URL(to, url).href;
  }
  async get(url: string): Promise<string> {
    return this.location(url, await request(url, { headers: { accept: 'text/html', cookie: this.cookies() } }));
  }
  async post(url: string, form: Record<string, string>): Promise<string> {
    return this.location(url, await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookies() }, body: new URLSearchParams(form).toString() }));
  }
}
