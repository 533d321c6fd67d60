import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OktaClient } from '../../src/clients/okta';
import type { OktaTenantConfig } from '../../src/config/tenant';
import { CATALOGUE } from '../../src/workflows/catalogue';
import { OnboardingStack } from '../support/onboarding-stack';
import { startTestTemporal, uniqueId } from '../support/temporal';
import { autoAssignment, expectCompletedAndProven } from './support/onboarding-run';

/*
 * What the guides (../shared/seeds) do beyond the resources, proven on the sandboxes: the RAML
 * published with the tenant's URLs (seed 002).
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
});
