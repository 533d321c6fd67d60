import { stringify } from 'yaml';
import type { ValidationIssue } from './errors';

/*
 * The policy templates the emulator knows, with their configuration fields. One catalog drives
 * the API Manager validation, the Exchange policy assets (and their JSON Schema file, as yaac
 * fetches it) and the gateway's defaults.
 */

export const MULESOFT_POLICY_GROUP = '68ef9520-24e9-4cf2-b2f5-620025690913';

export type FieldType = 'string' | 'boolean' | 'integer' | 'rateLimits';

export interface TemplateField {
  name: string;
  type: FieldType;
  default?: unknown;
  enum?: string[];
  minimum?: number;
  required?: boolean;
  description: string;
}

export interface PolicyTemplate {
  assetId: string;
  name: string;
  versions: string[];
  /** A stable numeric-looking id per template, as `policyTemplateId` shows. */
  templateId: string;
  category: string;
  /** Only applicable to APIs whose client provider is an OpenID Connect DCR provider. */
  requiresOidcProvider: boolean;
  /**
   * What applying the policy gives the API (Mule policy definitions' providedCharacteristics). Two policies that
   * provide the same characteristic cannot be applied together (KB 001123361: SLA-based rate limiting next to
   * client ID enforcement is refused with "There is another policy applied with the same provided characteristics").
   */
  providedCharacteristics: string[];
  fields: TemplateField[];
}

export const OIDC_TEMPLATE = 'openidconnect-access-token-enforcement';
export const CLIENT_ID_TEMPLATE = 'client-id-enforcement';
export const RATE_LIMIT_TEMPLATE = 'rate-limiting';
export const SLA_RATE_LIMIT_TEMPLATE = 'rate-limiting-sla-based';

/** The characteristic of the policies that identify the calling client application by its credentials. */
const CLIENT_ID_REQUIRED = 'Client ID required';

export const POLICY_TEMPLATES: PolicyTemplate[] = [
  {
    assetId: OIDC_TEMPLATE,
    name: 'OpenID Connect access token enforcement',
    versions: ['1.2.0', '1.3.0'],
    templateId: '296375',
    category: 'Security',
    requiresOidcProvider: true,
    providedCharacteristics: ['Requires authentication'],
    fields: [
      { name: 'scopes', type: 'string', default: '', description: 'Space-separated scopes the token must carry' },
      { name: 'scopeValidationCriteria', type: 'string', enum: ['AND', 'OR'], default: 'AND', description: 'AND: every scope; OR: at least one' },
      { name: 'exposeHeaders', type: 'boolean', default: false, description: 'Forward the introspection fields to the upstream as X-AGW- headers' },
      { name: 'skipClientIdValidation', type: 'boolean', default: false, description: 'Do not require an approved contract for the token\'s client' },
      { name: 'secureTrustStore', type: 'boolean', default: false, description: 'Validate the TLS certificate of the introspection endpoint' },
      { name: 'authenticationTimeout', type: 'integer', minimum: 1, default: 10000, description: 'Introspection timeout in milliseconds' },
      { name: 'maxCacheEntries', type: 'integer', minimum: 1, default: 10000, description: 'Introspection results kept in the cache' },
    ],
  },
  {
    assetId: CLIENT_ID_TEMPLATE,
    name: 'Client ID enforcement',
    versions: ['1.3.2'],
    templateId: '296371',
    category: 'Compliance',
    requiresOidcProvider: false,
    providedCharacteristics: [CLIENT_ID_REQUIRED],
    fields: [
      {
        name: 'credentialsOriginHasHttpBasicAuthenticationHeader',
        type: 'string',
        enum: ['customExpression', 'httpBasicAuthenticationHeader'],
        default: 'customExpression',
        description: 'Where the client credentials are read from',
      },
      { name: 'clientIdExpression', type: 'string', default: "#[attributes.headers['client_id']]", description: 'Expression for the client id' },
      { name: 'clientSecretExpression', type: 'string', default: "#[attributes.headers['client_secret']]", description: 'Expression for the client secret (optional)' },
    ],
  },
  {
    assetId: RATE_LIMIT_TEMPLATE,
    name: 'Rate limiting',
    versions: ['1.4.0'],
    templateId: '296373',
    category: 'Quality of service',
    requiresOidcProvider: false,
    providedCharacteristics: [],
    fields: [
      { name: 'rateLimits', type: 'rateLimits', required: true, description: 'Windows of maximumRequests per timePeriodInMilliseconds' },
      { name: 'clusterizable', type: 'boolean', default: true, description: 'Share the quota between replicas' },
      { name: 'exposeHeaders', type: 'boolean', default: false, description: 'Send x-ratelimit-* headers' },
    ],
  },
  {
    // "Rate limiting - SLA based" (docs policies-included-rate-limiting-sla): the limits are the tier of the
    // caller's contract, so the configuration only says how to find the caller's credentials.
    assetId: SLA_RATE_LIMIT_TEMPLATE,
    name: 'Rate limiting - SLA based',
    versions: ['1.3.0', '1.3.1'],
    templateId: '348742',
    category: 'Quality of service',
    requiresOidcProvider: false,
    providedCharacteristics: [CLIENT_ID_REQUIRED],
    fields: [
      {
        name: 'credentialsOriginHasHttpBasicAuthenticationHeader',
        type: 'string',
        enum: ['customExpression', 'httpBasicAuthenticationHeader'],
        default: 'customExpression',
        description: 'Where the client credentials are read from',
      },
      { name: 'clientIdExpression', type: 'string', default: "#[attributes.headers['client_id']]", description: "Expression for the client id; #[authentication.properties['client_id']] after an OpenID Connect policy" },
      { name: 'clientSecretExpression', type: 'string', description: 'Expression for the client secret; optional, no secret is checked without it' },
      { name: 'clusterizable', type: 'boolean', default: true, description: 'Share the quota between replicas' },
      { name: 'exposeHeaders', type: 'boolean', default: false, description: 'Send x-ratelimit-* headers' },
    ],
  },
];

export function findTemplate(groupId: string, assetId: string): PolicyTemplate | undefined {
  return groupId === MULESOFT_POLICY_GROUP ? POLICY_TEMPLATES.find((t) => t.assetId === assetId) : undefined;
}

/** Checks a configurationData object against the template; unknown keys are kept and ignored. */
export function validateConfiguration(template: PolicyTemplate, data: unknown): ValidationIssue[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [{ pointer: '/configurationData', keyword: 'type', message: 'must be object' }];
  }
  const config = data as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const field of template.fields) {
    const pointer = `/configurationData/${field.name}`;
    const value = config[field.name];
    if (value === undefined || value === null) {
      if (field.required) issues.push({ pointer: '/configurationData', keyword: 'required', message: `must have required property '${field.name}'` });
      continue;
    }
    switch (field.type) {
      case 'string':
        if (typeof value !== 'string') issues.push({ pointer, keyword: 'type', message: 'must be string' });
        else if (field.enum && !field.enum.includes(value)) issues.push({ pointer, keyword: 'enum', message: `must be equal to one of the allowed values: ${field.enum.join(', ')}` });
        break;
      case 'boolean':
        if (typeof value !== 'boolean') issues.push({ pointer, keyword: 'type', message: 'must be boolean' });
        break;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) issues.push({ pointer, keyword: 'type', message: 'must be integer' });
        else if (field.minimum !== undefined && value < field.minimum) issues.push({ pointer, keyword: 'minimum', message: `must be >= ${field.minimum}` });
        break;
      case 'rateLimits':
        if (!Array.isArray(value) || value.length === 0) {
          issues.push({ pointer, keyword: Array.isArray(value) ? 'minItems' : 'type', message: Array.isArray(value) ? 'must NOT have fewer than 1 items' : 'must be array' });
          break;
        }
        value.forEach((limit, i) => {
          for (const key of ['maximumRequests', 'timePeriodInMilliseconds']) {
            const v = (limit as Record<string, unknown> | null)?.[key];
            if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) issues.push({ pointer: `${pointer}/${i}/${key}`, keyword: 'type', message: 'must be integer >= 1' });
          }
        });
        break;
    }
  }
  return issues;
}

/** The template's configuration merged over its defaults: what the gateway enforces. */
export function effectiveConfiguration(template: PolicyTemplate | undefined, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of template?.fields ?? []) if (field.default !== undefined) out[field.name] = field.default;
  for (const [k, v] of Object.entries(data)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

/** The JSON Schema Exchange serves as the template's `schema` file. */
export function templateJsonSchema(template: PolicyTemplate): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of template.fields) {
    const base: Record<string, unknown> = { title: f.name, description: f.description };
    if (f.type === 'rateLimits') {
      Object.assign(base, {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['maximumRequests', 'timePeriodInMilliseconds'],
          properties: { maximumRequests: { type: 'integer', minimum: 1 }, timePeriodInMilliseconds: { type: 'integer', minimum: 1 } },
        },
      });
    } else {
      Object.assign(base, { type: f.type });
    }
    if (f.enum) base.enum = f.enum;
    if (f.minimum !== undefined) base.minimum = f.minimum;
    if (f.default !== undefined) base.default = f.default;
    properties[f.name] = base;
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: template.name,
    type: 'object',
    properties,
    required: template.fields.filter((f) => f.required).map((f) => f.name),
  };
}

/*
 * The template's `policy-definition` file (YAML), the form Mule 4 policy assets describe their
 * configuration in and `api-mgr:policy:describe --policyVersion` reads: `configuration[]` with
 * propertyName, name, description, type (string, boolean, int; radio with options for an enum;
 * keyvalues with nested properties for rate windows), optional, defaultValue, allowMultiple.
 */
export function templateDefinitionYaml(template: PolicyTemplate): string {
  const property = (f: TemplateField) => {
    const base = { propertyName: f.name, name: f.name, description: f.description, optional: !f.required, allowMultiple: f.type === 'rateLimits' };
    const defaultValue = f.default !== undefined ? { defaultValue: f.default } : {};
    if (f.type === 'rateLimits') {
      return {
        ...base,
        type: 'keyvalues',
        configuration: ['maximumRequests', 'timePeriodInMilliseconds'].map((name) => ({ propertyName: name, name, type: 'int', optional: false, allowMultiple: false })),
      };
    }
    if (f.enum) return { ...base, type: 'radio', options: f.enum.map((v) => ({ name: v, value: v })), ...defaultValue };
    return { ...base, type: f.type === 'integer' ? 'int' : f.type, ...defaultValue };
  };
  return stringify({
    id: template.assetId,
    name: template.name,
    description: `${template.name} policy`,
    category: template.category,
    type: 'system',
    resourceLevelSupported: true,
    standalone: true,
    requiredCharacteristics: [],
    providedCharacteristics: [...template.providedCharacteristics],
    configuration: template.fields.map(property),
  });
}
