/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL responses are open JSON. */
import { AnypointTestClient, startAnypoint } from './support/anypoint-kit';

const MULESOFT = '68ef9520-24e9-4cf2-b2f5-620025690913';
const GRAPH = '/graph/api/v2/graphql';

describe('Anypoint Graph API (the asset queries Exchange and API Manager clients send)', () => {
  let anypoint: AnypointTestClient;

  beforeAll(async () => {
    anypoint = await startAnypoint();
  });
  afterAll(() => anypoint.sandbox.close());

  /** As anypoint-cli's Apollo link sends it: the token in the variables, no Authorization header. */
  const query = (q: string, variables: Record<string, unknown> = {}) => anypoint.call('POST', GRAPH, { body: { query: q, variables: { ...variables, accessToken: anypoint.token } }, auth: false });

  it("answers exchange:asset:list's search with the caller's and MuleSoft's assets, latest versions only", async () => {
    const q = `query($organizationIds: [String], $limit: Int, $offset: Int, $searchText: String!) {
      assets(limit: $limit, offset: $offset, searchTerm: $searchText, organizationIds: $organizationIds) { groupId assetId version name type updatedDate createdDate }
    }`;
    const all = await query(q, { limit: 10, offset: 0, searchText: '' });
    expect(all.status).toBe(200);
    expect(all.body.errors).toBeUndefined();
    expect(all.body.data.assets.map((a: any) => `${a.assetId}:${a.version}`)).toEqual(['client-id-enforcement:1.3.2', 'openidconnect-access-token-enforcement:1.3.0', 'rate-limiting:1.4.0', 'rate-limiting-sla-based:1.3.1', 'solar-system:1.0.0']);
    const mine = await query(q, { limit: 10, offset: 0, searchText: 'SOLAR', organizationIds: [anypoint.org] });
    expect(mine.body.data.assets).toEqual([{ groupId: anypoint.org, assetId: 'solar-system', version: '1.0.0', name: 'Solar System', type: 'rest-api', updatedDate: expect.any(String), createdDate: expect.any(String) }]);
    const paged = await query(q, { limit: 2, offset: 4, searchText: '' });
    expect(paged.body.data.assets.map((a: any) => a.assetId)).toEqual(['solar-system']);
  });

  it("answers api-mgr:policy:list -m with every policy version, and the GraphiQL form with query: {…}", async () => {
    const res = await query('{ assets(types: "policy", limit: 100, offset: 0, latestVersionsOnly: false) { groupId assetId version description name } }');
    expect(res.body.data.assets.map((a: any) => `${a.assetId}:${a.version}`)).toEqual([
      'client-id-enforcement:1.3.2',
      'openidconnect-access-token-enforcement:1.2.0',
      'openidconnect-access-token-enforcement:1.3.0',
      'rate-limiting:1.4.0',
      'rate-limiting-sla-based:1.3.0',
      'rate-limiting-sla-based:1.3.1',
    ]);
    expect(res.body.data.assets.every((a: any) => a.groupId === MULESOFT)).toBe(true);
    const wrapped = await query('{ assets(query: {types: "policy", limit: 1, offset: 0, tags: []}, latestVersionsOnly: false) { assetId } }');
    expect(wrapped.body.data.assets).toEqual([{ assetId: 'client-id-enforcement' }]);
  });

  it("answers api-mgr:policy:describe's lookup with the files and links from the request's host", async () => {
    const q = 'query($groupId: String!, $assetId: String!, $version: String!) { asset(groupId: $groupId, assetId: $assetId, version: $version) { name description assetId files { classifier externalLink } } }';
    const res = await anypoint.call('POST', GRAPH, {
      body: { query: q, variables: { groupId: MULESOFT, assetId: 'rate-limiting', version: '1.4.0', accessToken: anypoint.token } },
      auth: false,
      headers: { 'x-forwarded-host': 'anypoint.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(res.body.data.asset).toMatchObject({ name: 'Rate limiting', assetId: 'rate-limiting' });
    expect(res.body.data.asset.files.map((f: any) => f.classifier)).toEqual(['schema', 'policy-definition']);
    expect(res.body.data.asset.files[1].externalLink).toMatch(/^https:\/\/anypoint\.example\.com\/exchange\/api\/v2\/assets\//);
    const missing = await query(q, { groupId: MULESOFT, assetId: 'no-such-policy', version: '1.0.0' });
    expect(missing.body).toEqual({ data: { asset: null } });
    const byCoordinates = await query(`{ assets(asset: {groupId: "${MULESOFT}", assetId: "openidconnect-access-token-enforcement"}) { version } }`);
    expect(byCoordinates.body.data.assets).toEqual([{ version: '1.3.0' }]);
  });

  it('accepts a bearer header instead of the accessToken variable, and refuses no token with 401 UNAUTHENTICATED', async () => {
    const withHeader = await anypoint.post(GRAPH, { query: '{ asset(groupId: "x", assetId: "y") { name } }' });
    expect(withHeader.status).toBe(200);
    const anonymous = await anypoint.call('POST', GRAPH, { body: { query: '{ assets { name } }' }, auth: false });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ errors: [{ message: expect.stringContaining('Unauthorized'), extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('answers queries outside the schema with the GraphQL error shape: validation and parse failures, bad variables', async () => {
    const unknownField = await query('{ apis { id } }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.body).toEqual({ errors: [{ message: 'Cannot query field "apis" on type "Query".', locations: [{ line: 1, column: 3 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    const unknownArgument = await query('{ assets(color: "red") { name } }');
    expect(unknownArgument.body.errors[0]).toMatchObject({ message: expect.stringContaining('Unknown argument "color"'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const broken = await query('{ assets { name }');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0]).toMatchObject({ message: expect.stringContaining('Syntax Error'), locations: [expect.any(Object)], extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    const badVariable = await query('query($limit: Int) { assets(limit: $limit) { name } }', { limit: 'ten' });
    expect(badVariable.status).toBe(400);
    expect(badVariable.body.errors[0]).toMatchObject({ message: expect.stringContaining('$limit'), extensions: { code: 'BAD_USER_INPUT' } });
    const empty = await anypoint.post(GRAPH, {});
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers a rate-limit fault in the GraphQL error shape with Retry-After', async () => {
    const faults = await anypoint.call('POST', '/__sandbox/faults', { body: { kind: 'rateLimit', method: 'POST', path: '^/graph/', times: 1, retryAfterSeconds: 2 }, auth: false });
    expect(faults.status).toBeLessThan(300);
    const limited = await query('{ assets { name } }');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    expect(limited.body).toEqual({ errors: [{ message: 'Too Many Requests', extensions: { code: 'TOO_MANY_REQUESTS' } }] });
    expect((await query('{ assets { name } }')).status).toBe(200);
  });
});
