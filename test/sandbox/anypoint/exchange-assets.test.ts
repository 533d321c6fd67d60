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
});
