import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse, stringify } from 'yaml';
import { TenantConfigError, formatTenantConfigError, loadTenantFile, oktaTenant, parseTenantConfig, type TenantConfigIssue } from '../../src/config/tenant';
import { JSON_SCHEMA_FILE, tenantJsonSchema } from '../../src/config/export-json-schema';

const EXAMPLES = resolve(__dirname, '../../examples');
const EXAMPLE = join(EXAMPLES, 'solar-system.tenant.yaml');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary YAML
type Doc = Record<string, any>;
const example = (): Doc => parse(readFileSync(EXAMPLE, 'utf8'));

function issuesOf(mutate: (doc: Doc) => void): TenantConfigIssue[] {
  const doc = example();
  mutate(doc);
  try {
    parseTenantConfig(doc, 'tenant.yaml', EXAMPLES);
  } catch (err) {
    if (err instanceof TenantConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the tenant file to be refused');
}

const tmp = mkdtempSync(join(tmpdir(), 'tenant-test-'));
function writeTenant(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe('the solar-system example', () => {
  it('loads, with defaults applied and paths made absolute', () => {
    const cfg = oktaTenant(loadTenantFile(EXAMPLE));
    expect(cfg.tenant).toEqual({ id: 'solar-system', displayName: 'Solar System (demo)' });
    expect(cfg.okta.orgUrl).toBe('http://127.0.0.1:18080');
    expect(cfg.okta.apiToken).toEqual({ env: 'OKTA_API_TOKEN' });
    expect(cfg.okta.authorizationServer).toEqual({ create: { name: 'solar-system', description: 'Solar system API', audience: 'api://solar-system' } });
    expect(cfg.okta.scopes.map((s) => [s.name, s.metadataPublish, s.consent])).toEqual([
      ['silver', 'ALL_CLIENTS', 'IMPLICIT'],
      ['gold', 'ALL_CLIENTS', 'IMPLICIT'],
    ]);
    expect(cfg.okta.groups.map((g) => g.name)).toEqual(['silverSubscribers', 'goldSubscribers']);
    expect(cfg.okta.accessPolicy).toMatchObject({ priority: 1, clients: ['ALL_CLIENTS'], rule: { groups: ['EVERYONE'], accessTokenLifetimeMinutes: 60 } });
    // Seed 002's tiers: people get a tier's scopes only as members of its group.
    expect(cfg.okta.accessPolicy.groupRules.map((r) => [r.name, r.priority, r.groups, r.scopes])).toEqual([
      ['Anypoint sign-in', 2, ['EVERYONE'], ['openid', 'profile', 'email']],
      ['Silver tier', 3, ['silverSubscribers'], ['silver', 'openid', 'profile', 'email']],
      ['Gold tier', 4, ['goldSubscribers'], ['silver', 'gold', 'openid', 'profile', 'email']],
    ]);
    expect(cfg.okta.ssoApp).toEqual({ label: 'Anypoint Platform SSO', postLogoutRedirectUris: [], groups: ['EVERYONE'] });
    expect(cfg.anypoint.baseUrl).toBe('http://127.0.0.1:18081');
    expect(cfg.anypoint.connectedApp).toEqual({ clientId: { env: 'ANYPOINT_CLIENT_ID' }, clientSecret: { env: 'ANYPOINT_CLIENT_SECRET' } });
    expect(cfg.anypoint.api.raml).toBe(join(EXAMPLES, 'solar-system.raml'));
    expect(cfg.anypoint.api.upstreamUrl).toBe('http://127.0.0.1:18082/solar-system');
    expect(cfg.anypoint.api.proxy).toEqual({ applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0', type: 'CH' });
    expect(cfg.anypoint.api.policies).toEqual([
      { resource: '/planets', methods: ['GET'], scopes: ['silver'], validation: 'AND', skipClientIdValidation: false },
      { resource: '/moons', methods: ['GET'], scopes: ['gold'], validation: 'AND', skipClientIdValidation: false },
    ]);
    expect(cfg.anypoint.clientApplications).toEqual([
      { name: 'Solar System Silver', description: 'Reads the planets', grantTypes: ['client_credentials'], redirectUris: [], groups: ['silverSubscribers'] },
      { name: 'Solar System Gold', description: 'Reads the planets and their moons', grantTypes: ['client_credentials'], redirectUris: [], groups: ['goldSubscribers'] },
      { name: 'Solar System Web', description: "The guide's test page for people", grantTypes: ['authorization_code', 'implicit'], redirectUris: ['http://localhost:8888/mulesoft'], groups: ['silverSubscribers', 'goldSubscribers'] },
    ]);
    expect(cfg.verification.signIn).toMatchObject({
      clientApplication: 'Solar System Web',
      manageUsers: 'sandbox',
      users: [
        { login: 'carl.sagan@example.com', password: { env: 'SOLAR_SILVER_USER_PASSWORD' }, groups: ['silverSubscribers'], refused: false, scopes: ['silver'] },
        { login: 'jocelyn.bell@example.com', password: { env: 'SOLAR_OUTSIDER_USER_PASSWORD' }, groups: [], refused: true },
      ],
    });
    expect(cfg.assignment).toEqual({ mode: 'manual', reminderEvery: '1h', deadline: '72h' });
    expect(cfg.verification).toMatchObject({
      enabled: true,
      tokenScopes: ['silver'],
      allowed: [{ method: 'GET', path: '/planets', expect: 200 }],
      denied: [{ method: 'GET', path: '/moons', expect: 403 }],
      otherClients: [{ clientApplication: 'Solar System Gold', tokenScopes: ['silver', 'gold'], allowed: [{ method: 'GET', path: '/planets', expect: 200 }, { method: 'GET', path: '/moons', expect: 200 }], denied: [] }],
    });
  });

  it('ships a RAML with GET /planets and GET /moons', () => {
    const raml = readFileSync(join(EXAMPLES, 'solar-system.raml'), 'utf8');
    expect(raml.startsWith('#%RAML 1.0')).toBe(true);
    expect(raml).toMatch(/^\/planets:\n\s+get:/m);
    expect(raml).toMatch(/^\/moons:\n\s+get:/m);
  });
});

describe('tenant file values', () => {
  it('applies the region shorthands and strips trailing slashes', () => {
    const doc = example();
    doc.anypoint.baseUrl = 'eu';
    doc.okta.orgUrl = 'https://dev-123.okta.com/';
    const cfg = oktaTenant(parseTenantConfig(doc));
    expect(cfg.anypoint.baseUrl).toBe('https://eu1.anypoint.mulesoft.com');
    expect(cfg.okta.orgUrl).toBe('https://dev-123.okta.com');
  });

  it('defaults the display name to the id and accepts auto assignment', () => {
    const doc = example();
    delete doc.tenant.displayName;
    doc.assignment = { mode: 'auto' };
    const cfg = parseTenantConfig(doc);
    expect(cfg.tenant.displayName).toBe('solar-system');
    expect(cfg.assignment).toEqual({ mode: 'auto' });
  });

  it('accepts an adopted authorization server', () => {
    const doc = example();
    doc.okta.authorizationServer = { adopt: 'default' };
    expect(parseTenantConfig(doc).okta?.authorizationServer).toEqual({ adopt: 'default' });
  });

  it('resolves relative secret files against the tenant file, not the working directory', () => {
    const doc = example();
    doc.okta.apiToken = { file: 'secrets/okta-token' };
    expect(parseTenantConfig(doc, 'x.yaml', '/etc/tenants').okta?.apiToken).toEqual({ file: '/etc/tenants/secrets/okta-token' });
  });
});

describe('refused tenant files name the field and the fix', () => {
  it('an inline API token, without repeating it', () => {
    const issues = issuesOf((d) => (d.okta.apiToken = '00abcSECRETtoken'));
    expect(issues).toEqual([{ path: 'okta.apiToken', message: expect.stringContaining('must not be written inline'), fix: expect.stringContaining('{ env: VARIABLE_NAME }') }]);
    expect(issues[0].fix).toContain('{ file:');
    expect(JSON.stringify(issues)).not.toContain('00abcSECRETtoken');
  });

  it('an inline connected-app secret, or a reference of the wrong shape', () => {
    expect(issuesOf((d) => (d.anypoint.connectedApp.clientSecret = 's3cr3t-value'))).toEqual([expect.objectContaining({ path: 'anypoint.connectedApp.clientSecret' })]);
    expect(issuesOf((d) => (d.anypoint.connectedApp.clientId = { vault: 'x' }))).toEqual([
      expect.objectContaining({ path: 'anypoint.connectedApp.clientId', message: expect.stringContaining('must be a secret reference') }),
    ]);
  });

  it('a missing field', () => {
    expect(issuesOf((d) => delete d.anypoint.environment)).toEqual([{ path: 'anypoint.environment', message: 'is required', fix: expect.stringContaining('add anypoint.environment') }]);
  });

  it('a policy scope the tenant does not define, with the exact path and the known scopes', () => {
    const issues = issuesOf((d) => (d.anypoint.api.policies[1].scopes = ['platinum']));
    expect(issues).toEqual([{ path: 'anypoint.api.policies[1].scopes[0]', message: expect.stringContaining('"platinum"'), fix: expect.stringContaining('silver, gold') }]);
  });

  it('a bad URL, plain http to a remote host, and the admin console URL', () => {
    expect(issuesOf((d) => (d.okta.orgUrl = 'dev-123.okta.com'))).toEqual([expect.objectContaining({ path: 'okta.orgUrl', message: 'must be an http(s) URL' })]);
    expect(issuesOf((d) => (d.okta.orgUrl = 'http://dev-123.okta.com'))).toEqual([expect.objectContaining({ path: 'okta.orgUrl', fix: 'use https://dev-123.okta.com' })]);
    expect(issuesOf((d) => (d.okta.orgUrl = 'https://dev-123-admin.okta.com'))).toEqual([expect.objectContaining({ path: 'okta.orgUrl', fix: expect.stringContaining('remove "-admin"') })]);
    expect(issuesOf((d) => (d.anypoint.baseUrl = 'mars'))).toEqual([expect.objectContaining({ path: 'anypoint.baseUrl' })]);
  });

  it('a bad duration, and a deadline not longer than the reminder interval', () => {
    expect(issuesOf((d) => (d.assignment.deadline = 'soon'))).toEqual([{ path: 'assignment.deadline', message: 'must be a duration', fix: expect.stringContaining('90s, 15m, 1h or 3d') }]);
    expect(issuesOf((d) => (d.assignment.deadline = '30m'))).toEqual([expect.objectContaining({ path: 'assignment.deadline', message: expect.stringContaining('longer than reminderEvery') })]);
  });

  it('a drift check more often than every minute, and adopt keys that name nothing or a kind that cannot be adopted', () => {
    expect(issuesOf((d) => (d.lifecycle = { driftCheckEvery: '10s' }))).toEqual([{ path: 'lifecycle.driftCheckEvery', message: 'must be at least 1m', fix: 'write e.g. 15m, 1h or 1d' }]);
    const issues = issuesOf((d) => (d.adopt = { 'okta.group:platinum': '00g1', 'okta.authorizationServer': 'aus1', 'anypoint.contract:Solar System Silver': '7', 'okta.group:goldSubscribers': '00g2' }));
    expect(issues).toEqual([
      { path: 'adopt.okta.group:platinum', message: 'names no resource of this tenant file', fix: expect.stringContaining('okta.group:goldSubscribers, okta.accessPolicy') },
      { path: 'adopt.okta.authorizationServer', message: 'cannot be adopted: an authorization server is adopted with okta.authorizationServer.adopt', fix: "remove adopt['okta.authorizationServer']" },
      { path: 'adopt.anypoint.contract:Solar System Silver', message: expect.stringContaining('adopt the application'), fix: "remove adopt['anypoint.contract:Solar System Silver']" },
    ]);
  });

  it('a duplicate group, pointing at the second entry', () => {
    expect(issuesOf((d) => d.okta.groups.push({ name: 'goldSubscribers' }))).toEqual([
      { path: 'okta.groups[2]', message: 'group "goldSubscribers" is listed twice', fix: 'keep one entry per group name' },
    ]);
  });

  it('an application group that is not defined, and missing redirect URIs for implicit', () => {
    const issues = issuesOf((d) => {
      d.anypoint.clientApplications[0].groups = ['platinumSubscribers'];
      d.anypoint.clientApplications[0].grantTypes = ['client_credentials', 'implicit'];
    });
    expect(issues).toEqual([
      { path: 'anypoint.clientApplications[0].groups[0]', message: 'group "platinumSubscribers" is not defined', fix: expect.stringContaining('silverSubscribers, goldSubscribers, EVERYONE') },
      { path: 'anypoint.clientApplications[0].redirectUris', message: expect.stringContaining('required'), fix: expect.stringContaining('redirect URI') },
    ]);
  });

  it('a verification application that does not exist, and a token scope the rule does not allow', () => {
    expect(issuesOf((d) => (d.verification.clientApplication = 'Nope'))).toEqual([
      { path: 'verification.clientApplication', message: expect.stringContaining('"Nope"'), fix: 'use one of: Solar System Silver, Solar System Gold, Solar System Web' },
    ]);
    expect(issuesOf((d) => (d.okta.accessPolicy.rule.scopes = ['gold']))).toEqual([
      expect.objectContaining({ path: 'verification.tokenScopes[0]', fix: 'add silver to okta.accessPolicy.rule.scopes' }),
      expect.objectContaining({ path: 'verification.otherClients[0].tokenScopes[0]', fix: 'add silver to okta.accessPolicy.rule.scopes' }),
    ]);
  });

  it('group rules: a group not defined, a priority taken twice, a name used twice, no group at all', () => {
    expect(issuesOf((d) => (d.okta.accessPolicy.groupRules[1].groups = ['platinumSubscribers']))).toEqual([
      { path: 'okta.accessPolicy.groupRules[1].groups[0]', message: 'group "platinumSubscribers" is not defined', fix: expect.stringContaining('silverSubscribers, goldSubscribers, EVERYONE') },
    ]);
    expect(issuesOf((d) => (d.okta.accessPolicy.groupRules[2].priority = 3))).toEqual([
      { path: 'okta.accessPolicy.groupRules[2].priority', message: 'priority 3 is already taken by rule "Silver tier"', fix: expect.stringContaining('its own priority') },
    ]);
    expect(issuesOf((d) => (d.okta.accessPolicy.groupRules[0].name = 'Subscribers'))).toEqual([
      { path: 'okta.accessPolicy.groupRules[0].name', message: 'rule "Subscribers" is named twice in the policy', fix: expect.any(String) },
    ]);
    expect(issuesOf((d) => (d.okta.accessPolicy.groupRules[1].groups = []))).toEqual([
      expect.objectContaining({ path: 'okta.accessPolicy.groupRules[1].groups', fix: expect.stringContaining('silverSubscribers') }),
    ]);
  });

  it('sign-in users: a password written inline, a group not defined, an application without implicit, a redirect URI it does not have', () => {
    expect(
      issuesOf((d) => {
        d.verification.signIn.users[0].password = 'hunter2';
        d.verification.signIn.users[0].groups = ['platinum'];
        d.anypoint.clientApplications[2].grantTypes = ['authorization_code'];
        d.verification.signIn.redirectUri = 'http://localhost:9999/other';
      }),
    ).toEqual([
      expect.objectContaining({ path: 'verification.signIn.users[0].password', message: expect.stringContaining('must not be written inline') }),
      expect.objectContaining({ path: 'verification.signIn.clientApplication', message: 'application "Solar System Web" lacks the implicit grant the sign-in proof uses' }),
      expect.objectContaining({ path: 'verification.signIn.redirectUri', fix: 'use one of http://localhost:8888/mulesoft' }),
      expect.objectContaining({ path: 'verification.signIn.users[0].groups[0]', message: 'group "platinum" is not defined' }),
    ]);
  });

  it('SSO needs a rule with authorization_code: the sign-in group rule provides it', () => {
    expect(issuesOf((d) => d.okta.accessPolicy.groupRules.forEach((r: Doc) => (r.grantTypes = ['implicit'])))).toEqual([
      expect.objectContaining({ path: 'anypoint.clientApplications[2].grantTypes[0]', message: 'grant type authorization_code is not allowed by okta.accessPolicy.rule, so Okta would refuse its tokens' }),
      expect.objectContaining({ path: 'okta.accessPolicy.rule.grantTypes', message: expect.stringContaining('authorization_code for SSO') }),
    ]);
  });

  it('SSO on one side only', () => {
    expect(issuesOf((d) => delete d.anypoint.identityProvider)).toEqual([expect.objectContaining({ path: 'anypoint.identityProvider' })]);
    expect(issuesOf((d) => delete d.okta.ssoApp)).toEqual([expect.objectContaining({ path: 'okta.ssoApp' })]);
  });

  it('an authorization server written half-way, or in neither form', () => {
    expect(issuesOf((d) => (d.okta.authorizationServer = { create: { name: 'x' } }))).toEqual([
      { path: 'okta.authorizationServer.create.audience', message: 'is required', fix: expect.any(String) },
    ]);
    expect(issuesOf((d) => (d.okta.authorizationServer = { reuse: 'default' }))).toEqual([
      { path: 'okta.authorizationServer', message: 'does not match any accepted form', fix: expect.stringContaining('adopt: default') },
    ]);
  });

  it('unknown fields, bad enum values and an empty method list', () => {
    expect(issuesOf((d) => (d.okta.colour = 'blue'))).toEqual([expect.objectContaining({ path: 'okta', message: 'unknown field: colour' })]);
    expect(issuesOf((d) => (d.anypoint.api.proxy.type = 'K8S'))).toEqual([expect.objectContaining({ path: 'anypoint.api.proxy.type', fix: 'use one of: CH, CH2, HY, RF' })]);
    expect(issuesOf((d) => (d.anypoint.api.policies[0].methods = []))).toEqual([expect.objectContaining({ path: 'anypoint.api.policies[0].methods', fix: 'list e.g. [GET]' })]);
  });

  it('every problem at once, not just the first', () => {
    const issues = issuesOf((d) => {
      d.tenant.id = 'Solar System';
      delete d.okta.scopes[0].name;
      d.okta.accessPolicy.rule.accessTokenLifetimeMinutes = 2;
    });
    expect(issues.map((i) => i.path)).toEqual(['tenant.id', 'okta.scopes[0].name', 'okta.accessPolicy.rule.accessTokenLifetimeMinutes']);
  });
});

describe('loading tenant files', () => {
  it('reports a YAML syntax error with its line', () => {
    const file = writeTenant('bad-syntax.yaml', 'tenant:\n  id: solar\nokta: {\n  orgUrl: [unclosed\n');
    let error: TenantConfigError | undefined;
    try {
      loadTenantFile(file);
    } catch (err) {
      error = err as TenantConfigError;
    }
    expect(error).toBeInstanceOf(TenantConfigError);
    expect(error!.code).toBe('TENANT_CONFIG_INVALID');
    expect(error!.issues[0]).toMatchObject({ path: expect.stringMatching(/^\(line \d+\)$/), fix: expect.stringContaining('YAML syntax') });
    expect(formatTenantConfigError(error!)).toMatch(/\(line \d+\)/);
  });

  it('reports an unreadable file', () => {
    expect(() => loadTenantFile(join(tmp, 'missing.yaml'))).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: '(file)', message: 'cannot be read (ENOENT)' })] }));
  });

  it('gives schema problems the line of the field, and a CLI rendering with path, line and fix', () => {
    const doc = example();
    doc.anypoint.api.policies[1].scopes = ['platinum'];
    const file = writeTenant('unknown-scope.yaml', stringify(doc));
    try {
      loadTenantFile(file);
      throw new Error('expected a refusal');
    } catch (err) {
      const e = err as TenantConfigError;
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines[e.issues[0].line! - 1]).toContain('platinum');
      expect(formatTenantConfigError(e)).toBe(
        [
          `${file} is not a valid tenant file (1 problem):`,
          `  - anypoint.api.policies[1].scopes[0] (line ${e.issues[0].line}): scope "platinum" is not defined in okta.scopes`,
          `      fix: ${e.issues[0].fix}`,
        ].join('\n'),
      );
    }
  });

  it('refuses a RAML path that does not exist', () => {
    const doc = example();
    doc.anypoint.api.raml = 'nowhere.raml';
    const file = writeTenant('no-raml.yaml', stringify(doc));
    expect(() => loadTenantFile(file)).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'anypoint.api.raml' })] }));
  });
});

describe('the exported JSON Schema', () => {
  it('is the committed file, generated from the zod schema', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(tenantJsonSchema());
  });

  it('describes secrets as references and validates the example', () => {
    const schema = JSON.parse(tenantJsonSchema());
    const apiToken = schema.properties.okta.properties.apiToken;
    expect(apiToken.anyOf.map((s: { required: string[] }) => s.required)).toEqual([['env'], ['file']]);
    expect(schema.required).toEqual(['tenant', 'anypoint', 'verification']);
    expect(schema.oneOf).toEqual([{ required: ['okta'] }, { required: ['rfc7591'] }]);
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(example())).toBe(true);
    const inline = example();
    inline.okta.apiToken = 'inline';
    expect(validate(inline)).toBe(false);
  });
});
