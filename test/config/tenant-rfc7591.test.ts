import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { tenantJsonSchema } from '../../src/config/export-json-schema';
import { TenantConfigError, identityProviderKind, loadTenantFile, parseTenantConfig, type TenantConfigIssue } from '../../src/config/tenant';

/*
 * The second identity-provider kind in the tenant file: an rfc7591 section (OpenAM / ForgeRock) instead of
 * okta. Checked like the rest: every problem with its field path and fix, before anything runs.
 */

const EXAMPLES = resolve(__dirname, '../../examples');
const OPENAM_EXAMPLE = join(EXAMPLES, 'solar-system-openam.tenant.yaml');
const OKTA_EXAMPLE = join(EXAMPLES, 'solar-system.tenant.yaml');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary YAML
type Doc = Record<string, any>;
const example = (file = OPENAM_EXAMPLE): Doc => parse(readFileSync(file, 'utf8'));

function issuesOf(mutate: (doc: Doc) => void, file = OPENAM_EXAMPLE): TenantConfigIssue[] {
  const doc = example(file);
  mutate(doc);
  try {
    parseTenantConfig(doc, 'tenant.yaml', EXAMPLES);
  } catch (err) {
    if (err instanceof TenantConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the tenant file to be refused');
}

describe('the OpenAM example (an rfc7591 tenant)', () => {
  it('loads without an okta section, secrets by reference, relative secret files resolved', () => {
    const cfg = loadTenantFile(OPENAM_EXAMPLE);
    expect(identityProviderKind(cfg)).toBe('rfc7591');
    expect(cfg.okta).toBeUndefined();
    expect(cfg.rfc7591).toEqual({
      discoveryUrl: 'http://127.0.0.1:18084/openam/oauth2/realms/root/realms/solar/.well-known/openid-configuration',
      initialAccessToken: { env: 'OPENAM_INITIAL_ACCESS_TOKEN' },
      introspectionClient: { clientId: 'anypoint-introspection', clientSecret: { env: 'OPENAM_INTROSPECTION_CLIENT_SECRET' } },
      scopes: ['silver', 'gold'],
    });
    const doc = example();
    doc.rfc7591.initialAccessToken = { file: 'secrets/iat' };
    expect(parseTenantConfig(doc, 'x.yaml', '/etc/tenants').rfc7591?.initialAccessToken).toEqual({ file: '/etc/tenants/secrets/iat' });
  });

  it('the Okta example stays valid unchanged and is the okta kind', () => {
    expect(identityProviderKind(loadTenantFile(OKTA_EXAMPLE))).toBe('okta');
  });

  it('accepts the issuer instead of the discovery URL', () => {
    const doc = example();
    delete doc.rfc7591.discoveryUrl;
    doc.rfc7591.issuer = 'https://am.example.com/openam/oauth2/realms/root/realms/solar/';
    expect(parseTenantConfig(doc).rfc7591?.issuer).toBe('https://am.example.com/openam/oauth2/realms/root/realms/solar');
  });
});

describe('refused rfc7591 tenant files name the field and the fix', () => {
  it('both okta and rfc7591, or neither', () => {
    const okta = example(OKTA_EXAMPLE).okta;
    expect(issuesOf((d) => (d.okta = okta))).toEqual([{ path: 'rfc7591', message: expect.stringContaining('cannot be used together with okta'), fix: expect.stringContaining('not both') }]);
    expect(issuesOf((d) => delete d.rfc7591)).toEqual([{ path: 'okta', message: expect.stringContaining('is required (or rfc7591)'), fix: expect.stringContaining('rfc7591: { discoveryUrl') }]);
  });

  it('neither or both of discoveryUrl and issuer', () => {
    expect(issuesOf((d) => delete d.rfc7591.discoveryUrl)).toEqual([expect.objectContaining({ path: 'rfc7591.discoveryUrl', message: 'is required (or rfc7591.issuer)' })]);
    expect(issuesOf((d) => (d.rfc7591.issuer = 'https://am.example.com/x'))).toEqual([expect.objectContaining({ path: 'rfc7591.discoveryUrl', message: 'and rfc7591.issuer cannot both be set' })]);
  });

  it('an inline initial access token or introspection secret, without repeating it', () => {
    const issues = issuesOf((d) => {
      d.rfc7591.initialAccessToken = 'iat-SECRET-value';
      d.rfc7591.introspectionClient.clientSecret = 'introspection-SECRET';
    });
    expect(issues.map((i) => i.path)).toEqual(['rfc7591.initialAccessToken', 'rfc7591.introspectionClient.clientSecret']);
    expect(issues[0]).toMatchObject({ message: expect.stringContaining('must not be written inline'), fix: expect.stringContaining('{ env: VARIABLE_NAME }') });
    expect(JSON.stringify(issues)).not.toMatch(/SECRET/);
  });

  it('a plain-http provider off this machine', () => {
    expect(issuesOf((d) => (d.rfc7591.discoveryUrl = 'http://am.example.com/.well-known/openid-configuration'))).toEqual([
      expect.objectContaining({ path: 'rfc7591.discoveryUrl', fix: 'use https://am.example.com/.well-known/openid-configuration' }),
    ]);
  });

  it('a policy or proof scope the provider section does not list', () => {
    expect(issuesOf((d) => (d.anypoint.api.policies[1].scopes = ['platinum']))).toEqual([
      { path: 'anypoint.api.policies[1].scopes[0]', message: 'scope "platinum" is not defined in rfc7591.scopes', fix: expect.stringContaining('or add it to rfc7591.scopes') },
    ]);
    expect(issuesOf((d) => (d.verification.tokenScopes = ['bronze']))).toEqual([expect.objectContaining({ path: 'verification.tokenScopes[0]', message: 'scope "bronze" is not defined in rfc7591.scopes' })]);
  });

  it('Okta-only settings: groups on an application, an Anypoint identity provider for SSO', () => {
    expect(issuesOf((d) => (d.anypoint.clientApplications[0].groups = ['silverSubscribers']))).toEqual([
      { path: 'anypoint.clientApplications[0].groups', message: expect.stringContaining('an RFC 7591 provider has none'), fix: expect.stringContaining('remove groups') },
    ]);
    expect(issuesOf((d) => (d.anypoint.identityProvider = { name: 'OpenAM SSO' }))).toEqual([
      { path: 'anypoint.identityProvider', message: expect.stringContaining('only with okta'), fix: expect.stringContaining('remove anypoint.identityProvider') },
    ]);
  });
});

describe('the exported JSON Schema', () => {
  it('accepts the OpenAM example and requires exactly one identity provider', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(tenantJsonSchema()));
    expect(validate(example())).toBe(true);
    expect(validate({ ...example(), okta: example(OKTA_EXAMPLE).okta })).toBe(false);
    const { rfc7591: _rfc7591, ...neither } = example();
    expect(validate(neither)).toBe(false);
  });
});
