/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are open JSON checked against the specs. */
import { FormData, request } from 'undici';
import { AnypointTestClient, expectResponseMatchesSpec, specs, startAnypoint } from './support/anypoint-kit';

describe('Exchange assets', () => {
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    anypoint = await startAnypoint();
  });
  afterAll(() => anypoint.sandbox.close());

  async function publish(assetId: string, version: string, opts: { sync?: boolean; raml?: string; name?: string } = {}) {
    const form = new FormData();
    if (opts.name !== '') form.set('name', opts.name ?? 'Moons API');
    form.set('type', 'rest-api');
    form.set('status', 'published');
    form.set('properties.mainFile', 'api.raml');
    form.set('properties.apiVersion', 'v1');
    form.set('files.raml', new Blob([opts.raml ?? '#%RAML 1.0\ntitle: Moons\n/moons:\n  get:\n'], { type: 'application/raml+yaml' }), 'api.raml');
    const res = await request(`${anypoint.sandbox.url}/exchange/api/v2/organizations/${anypoint.org}/assets/${anypoint.org}/${assetId}/${version}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${anypoint.token}`, ...(opts.sync === false ? {} : { 'x-sync-publication': 'true' }) },
      body: form,
    });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  }

  it('serves the seeded solar-system RAML asset as the spec describes', async () => {
    const res = await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/solar-system/1.0.0`);
    expect(res.status).toBe(200);
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/{orgId}/{assetId}/{version}/asset', 200, res.body);
    expect(res.body).toMatchObject({ groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0', type: 'rest-api' });
    const raml = await request(res.body.files[0].externalLink);
    expect(await raml.body.text()).toContain('/moons:');
  });

  it('publishes a RAML asset synchronously (201) and reads it by version and as latest', async () => {
    const res = await publish('moons-api', '1.0.0');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ assetId: 'moons-api', version: '1.0.0', files: [{ classifier: 'raml', mainFile: 'api.raml' }] });
    await publish('moons-api', '1.1.0');
    const byVersion = await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/moons-api/1.0.0/asset`);
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/{orgId}/{assetId}/{version}/asset', 200, byVersion.body);
    const latest = await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/moons-api/asset`);
    expect(latest.status).toBe(200);
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/{orgId}/{assetId}/asset', 200, latest.body);
    expect(latest.body.version).toBe('1.1.0');
    expect(latest.body.versions).toEqual(['1.0.0', '1.1.0']);
  });

  it('answers 409 when the version already exists: versions are immutable', async () => {
    const res = await publish('solar-system', '1.0.0');
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: 409, message: expect.stringContaining('already exists') });
  });

  it('publishes asynchronously with a publication status link that reports completion', async () => {
    const res = await publish('async-api', '2.0.0', { sync: false });
    expect(res.status).toBe(202);
    const status = await anypoint.get(new URL(res.body.publicationStatusLink).pathname);
    expect(status.body).toMatchObject({ status: 'completed', asset: { assetId: 'async-api' } });
  });

  it('refuses a publication without a name in the Exchange error shape', async () => {
    const res = await publish('nameless', '1.0.0', { name: '' });
    expect(res.status).toBe(400);
    expectResponseMatchesSpec(specs.assets(), 'POST /assets', 400, res.body);
  });

  it('answers 404 for an unknown asset and deletes an unused version', async () => {
    const missing = await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/nope/1.0.0`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ status: 404, message: expect.any(String) });
    await publish('short-lived', '1.0.0');
    expect((await anypoint.delete(`/exchange/api/v2/assets/${anypoint.org}/short-lived/1.0.0`)).status).toBe(204);
    expect((await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/short-lived/1.0.0`)).status).toBe(404);
  });

  it('keeps a version an API instance uses (409)', async () => {
    await anypoint.createInstance({ instanceLabel: 'pins-the-asset' });
    expect((await anypoint.delete(`/exchange/api/v2/assets/${anypoint.org}/solar-system/1.0.0`)).status).toBe(409);
  });

  it('publishes MuleSoft policy templates with their configuration schema', async () => {
    const res = await anypoint.get('/exchange/api/v2/assets/68ef9520-24e9-4cf2-b2f5-620025690913/openidconnect-access-token-enforcement/1.3.0');
    const schemaFile = res.body.files.find((f: { classifier: string; packaging: string }) => f.classifier === 'schema' && f.packaging === 'json');
    const schema = (await (await request(schemaFile.externalLink)).body.json()) as any;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['scopes', 'scopeValidationCriteria', 'skipClientIdValidation', 'maxCacheEntries']));
  });

  it('serves the policy definition YAML that describes the template configuration', async () => {
    const res = await anypoint.get('/exchange/api/v2/assets/68ef9520-24e9-4cf2-b2f5-620025690913/openidconnect-access-token-enforcement/1.3.0');
    const definition = res.body.files.find((f: { classifier: string }) => f.classifier === 'policy-definition');
    expect(definition.externalLink).toMatch(/\/openidconnect-access-token-enforcement-1\.3\.0-policy-definition\.yaml$/);
    const yaml = await (await request(definition.externalLink)).body.text();
    expect(yaml).toContain('propertyName: scopeValidationCriteria');
    expect(yaml).toContain('category: Security');
  });

  it('builds absolute links from the host the request came to (Host, X-Forwarded-Host, X-Forwarded-Proto)', async () => {
    const byHost = await anypoint.call('GET', `/exchange/api/v2/assets/${anypoint.org}/solar-system/1.0.0`, { headers: { host: 'anypoint.internal:8443' } });
    expect(byHost.body.files[0].externalLink).toMatch(/^http:\/\/anypoint\.internal:8443\/exchange\/api\/v2\/assets\//);
    const proxied = await anypoint.call('GET', `/exchange/api/v2/assets/${anypoint.org}/solar-system/1.0.0`, { headers: { 'x-forwarded-host': 'anypoint.example.com', 'x-forwarded-proto': 'https' } });
    expect(proxied.body.files[0].externalLink).toMatch(/^https:\/\/anypoint\.example\.com\/exchange\//);
    const form = new FormData();
    form.set('name', 'Forwarded');
    form.set('type', 'rest-api');
    form.set('files.raml', new Blob(['#%RAML 1.0\ntitle: F\n']), 'api.raml');
    const res = await request(`${anypoint.sandbox.url}/exchange/api/v2/organizations/${anypoint.org}/assets/${anypoint.org}/forwarded/1.0.0`, {
      method: 'POST',
      headers: { authorization: `Bearer ${anypoint.token}`, 'x-forwarded-host': 'anypoint.example.com, inner.proxy', 'x-forwarded-proto': 'https' },
      body: form,
    });
    expect(res.statusCode).toBe(202);
    expect(((await res.body.json()) as any).publicationStatusLink).toMatch(new RegExp(`^https://anypoint\\.example\\.com/exchange/api/v2/organizations/${anypoint.org}/assets/${anypoint.org}/forwarded/1\\.0\\.0/publication/`));
    const spoofed = await anypoint.call('GET', `/exchange/api/v2/assets/${anypoint.org}/solar-system/1.0.0`, { headers: { 'x-forwarded-host': 'evil.example/"><script>' } });
    expect(spoofed.body.files[0].externalLink.startsWith(`${anypoint.sandbox.url}/`)).toBe(true);
  });

  it('answers the v1 asset route with versions as objects, and deletes through the v1 organization route', async () => {
    await publish('v1-api', '1.0.0');
    await publish('v1-api', '1.1.0');
    const res = await anypoint.get(`/exchange/api/v1/assets/${anypoint.org}/v1-api/1.0.0`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ groupId: anypoint.org, assetId: 'v1-api', version: '1.0.0', type: 'rest-api', productAPIVersion: 'v1', modifiedAt: expect.any(String) });
    expect(res.body.versions).toEqual([expect.objectContaining({ version: '1.0.0', status: 'published' }), expect.objectContaining({ version: '1.1.0' })]);
    const v1Delete = `/exchange/api/v1/organizations/${anypoint.org}/assets/${anypoint.org}/v1-api/1.0.0`;
    expect((await anypoint.call('DELETE', v1Delete, { headers: { 'x-delete-type': 'hard-delete' } })).status).toBe(204);
    expect((await anypoint.get(`/exchange/api/v1/assets/${anypoint.org}/v1-api/1.0.0`)).body).toEqual({ status: 404, message: expect.stringContaining('does not exist') });
    expect((await anypoint.delete(v1Delete)).status).toBe(404);
    expect((await anypoint.delete(`/exchange/api/v1/organizations/${anypoint.org}/assets/68ef9520-24e9-4cf2-b2f5-620025690913/rate-limiting/1.4.0`)).status).toBe(403);
    expect((await anypoint.delete(`/exchange/api/v1/organizations/not-my-org/assets/${anypoint.org}/v1-api/1.1.0`)).status).toBe(403);
  });

  it('searches assets as the spec describes: types required, text, organization, paging, latest versions only', async () => {
    await publish('search-moons', '1.0.0', { name: 'Search Moons' });
    await publish('search-moons', '2.0.0', { name: 'Search Moons' });
    const res = await anypoint.get(`/exchange/api/v2/assets/search?types=rest-api&search=moons&organizationId=${anypoint.org}`);
    expect(res.status).toBe(200);
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/search', 200, res.body);
    const found = res.body.filter((a: any) => a.assetId === 'search-moons');
    expect(found).toEqual([expect.objectContaining({ version: '2.0.0', name: 'Search Moons', organization: expect.objectContaining({ id: anypoint.org }), createdBy: expect.any(Object) })]);
    const policies = await anypoint.get('/exchange/api/v2/assets/search?types=policy&limit=2&offset=1&sort=assetId');
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/search', 200, policies.body);
    expect(policies.body.map((a: any) => a.assetId)).toEqual(['openidconnect-access-token-enforcement', 'rate-limiting']);
    expect(policies.body[0]).toMatchObject({ version: '1.3.0', isPublic: true, organization: { isMulesoftOrganization: true } });
    const both = await anypoint.get('/exchange/api/v2/assets/search?types=policy&types=rest-api&domain=solar-system');
    expect(both.body.every((a: any) => a.organization.id === anypoint.org)).toBe(true);
    const missingTypes = await anypoint.get('/exchange/api/v2/assets/search?search=moons');
    expect(missingTypes.status).toBe(400);
    expectResponseMatchesSpec(specs.assets(), 'GET /assets/search', 400, missingTypes.body);
    expect(missingTypes.body).toEqual({ status: 400, message: expect.stringContaining('types') });
    expect((await anypoint.call('GET', '/exchange/api/v2/assets/search?types=policy', { auth: false })).status).toBe(401);
  });
});
