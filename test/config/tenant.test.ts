import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { TenantConfigError, formatTenantConfigError, loadTenantFile, parseTenantConfig } from '../../src/config/tenant';
import { JSON_SCHEMA_FILE, tenantJsonSchema } from '../../src/config/export-json-schema';
import { SecretReferenceError, resolveSecretRef } from '../../src/config/secrets';

const EXAMPLE = resolve(__dirname, '../../examples/solar-system.tenant.yaml');
const example = () => parse(readFileSync(EXAMPLE, 'utf8'));

function issuesOf(mutate: (doc: Record<string, any>) => void) {
  const doc = example();
  mutate(doc);
  try {
    parseTenantConfig(doc);
  } catch (err) {
    if (err instanceof TenantConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the tenant file to be refused');
}

describe('tenant file', () => {
  it('loads the commented solar-system example with defaults applied', () => {
    const cfg = loadTenantFile(EXAMPLE);
    expect(cfg.tenant.id).toBe('solar-system');
    expect(cfg.okta.scopes.map((s) => s.metadataPublish)).toEqual(['ALL_CLIENTS', 'ALL_CLIENTS']);
    expect(cfg.anypoint.api.raml).toBe(resolve(__dirname, '../../examples/solar-system.raml'));
    expect(cfg.assignment).toEqual({ mode: 'manual', reminderEvery: '1h', deadline: '72h' });
  });

  it('refuses an inline API token and says to reference it', () => {
    const issues = issuesOf((d) => (d.okta.apiToken = '00abcSECRET'));
    expect(issues).toEqual([expect.objectContaining({ path: 'okta.apiToken', fix: expect.stringContaining('{ env: VARIABLE_NAME }') })]);
    expect(JSON.stringify(issues)).not.toContain('00abcSECRET');
  });

  it('names a missing field', () => {
    expect(issuesOf((d) => delete d.anypoint.environment)).toEqual([expect.objectContaining({ path: 'anypoint.environment', message: 'is required' })]);
  });

  it('refuses a policy scope the tenant does not define, with the exact path', () => {
    const issues = issuesOf((d) => (d.anypoint.api.policies[1].scopes = ['platinum']));
    expect(issues).toEqual([expect.objectContaining({ path: 'anypoint.api.policies[1].scopes[0]', fix: expect.stringContaining('silver, gold') })]);
  });

  it('refuses a bad URL, a bad duration and a duplicate group', () => {
    expect(issuesOf((d) => (d.okta.orgUrl = 'dev-123.okta.com'))[0]).toMatchObject({ path: 'okta.orgUrl', message: 'must be an http(s) URL' });
    expect(issuesOf((d) => (d.assignment.deadline = 'soon'))[0]).toMatchObject({ path: 'assignment.deadline' });
    expect(issuesOf((d) => d.okta.groups.push({ name: 'goldSubscribers' }))[0]).toMatchObject({ path: 'okta.groups', message: expect.stringContaining('listed twice') });
  });

  it('refuses unknown fields and YAML syntax errors with a line', () => {
    expect(issuesOf((d) => (d.okta.colour = 'blue'))[0]).toMatchObject({ path: 'okta', message: 'unknown field(s): colour' });
    const bad = resolve(__dirname, '../fixtures/bad-syntax.tenant.yaml');
    expect(() => loadTenantFile(bad)).toThrow(TenantConfigError);
    try {
      loadTenantFile(bad);
    } catch (err) {
      expect(formatTenantConfigError(err as TenantConfigError)).toMatch(/\(line \d+\)/);
    }
  });

  it('keeps the committed JSON Schema in step with the zod schema', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(tenantJsonSchema());
  });
});

describe('secret references', () => {
  it('resolves from the environment and names the reference, never the value, when missing', () => {
    expect(resolveSecretRef({ env: 'X_TOKEN' }, { X_TOKEN: ' abc \n' })).toBe('abc');
    expect(() => resolveSecretRef({ env: 'X_TOKEN' }, {})).toThrow(SecretReferenceError);
    expect(() => resolveSecretRef({ env: 'X_TOKEN' }, {})).toThrow(/environment variable X_TOKEN/);
  });
});
