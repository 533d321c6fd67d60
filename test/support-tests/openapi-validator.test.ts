import { expectResponseMatchesSpec, loadSpecValidator } from '../support/openapi';

// The spec checks in the sandbox suites are only worth something if the validator can say no.
describe('published-spec response validator', () => {
  const okta = loadSpecValidator('okta/management-minimal.yaml');
  const group = { id: '00g1', created: '2026-01-01T00:00:00.000Z', type: 'OKTA_GROUP', objectClass: ['okta:user_group'], profile: { name: 'silverSubscribers' }, _links: {} };

  it('accepts a body shaped as the spec documents', () => {
    expect(okta.validate('addGroup', 200, group)).toEqual([]);
  });

  it('names the field that breaks the schema', () => {
    expect(okta.validate('addGroup', 200, { ...group, id: 42 })).toEqual([expect.stringContaining('/id must be string')]);
    expect(() => expectResponseMatchesSpec(okta, 'addGroup', 200, { ...group, type: 'NOPE' })).toThrow(/addGroup 200 response does not match/);
  });

  it('refuses a status the operation does not document and an unknown operation', () => {
    expect(okta.validate('createAuthorizationServer', 299, {})[0]).toMatch(/documents no response for status 299/);
    expect(okta.validate('noSuchOperation', 200, {})[0]).toMatch(/not in okta\/management-minimal.yaml/);
  });

  it("follows Okta's shared error responses and still says no to a wrong body", () => {
    const error = { errorCode: 'E0000007', errorSummary: 'Not found: Resource not found: x (UserGroup)', errorLink: 'E0000007', errorId: 'oae1', errorCauses: [] };
    expect(okta.validate('getGroup', 404, error)).toEqual([]);
    expect(okta.validate('getGroup', 404, { ...error, errorCauses: 'none' })).not.toEqual([]);
  });

  it('loads the Anypoint specs too', () => {
    expect(loadSpecValidator('anypoint/apim.yaml').operationIds()).toContain('PostApimInstance');
  });
});
