import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { withAuthorizationServerUrls } from '../../src/activities/raml';

const EXAMPLE_RAML = readFileSync(resolve(__dirname, '../../examples/solar-system.raml'), 'utf8');
const endpoints = { authorize: 'https://acme.okta.com/oauth2/aus1/v1/authorize', token: 'https://acme.okta.com/oauth2/aus1/v1/token' };

describe('the RAML published to Exchange points its OAuth 2.0 security scheme at the tenant (seed 002)', () => {
  it('writes authorizationUri and accessTokenUri, and keeps the rest of the file as written', () => {
    const { text, schemes } = withAuthorizationServerUrls(EXAMPLE_RAML, endpoints);
    expect(schemes).toEqual(['oauth_2_0']);
    expect(text.split('\n')[0]).toBe('#%RAML 1.0');
    const raml = parse(text);
    expect(raml.securitySchemes.oauth_2_0.settings).toEqual({ authorizationUri: endpoints.authorize, accessTokenUri: endpoints.token, authorizationGrants: ['authorization_code', 'implicit', 'client_credentials'] });
    const { securitySchemes: _filled, ...rest } = raml;
    const { securitySchemes: _written, ...original } = parse(EXAMPLE_RAML);
    expect(rest).toEqual(original);
    expect(text).toContain('securedBy: [oauth_2_0]');
  });

  it('leaves a RAML without an OAuth 2.0 scheme untouched', () => {
    const basic = '#%RAML 1.0\ntitle: x\nsecuritySchemes:\n  basic:\n    type: Basic Authentication\n/a:\n  get:\n';
    expect(withAuthorizationServerUrls(basic, endpoints)).toEqual({ text: basic, schemes: [] });
    expect(withAuthorizationServerUrls('#%RAML 1.0\ntitle: x\n', endpoints)).toEqual({ text: '#%RAML 1.0\ntitle: x\n', schemes: [] });
  });
});
