import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { MULESOFT_POLICY_GROUP, POLICY_TEMPLATES, templateDefinitionYaml, templateJsonSchema } from './policy-templates';
import type { AnypointState, ExchangeAssetRecord, ExchangeFileRecord } from './state';

/** The identity of a seeded org; fixed for the life of a sandbox so a reset keeps ids and credentials. */
export interface AnypointSeed {
  orgId: string;
  orgName: string;
  orgDomain: string;
  environments: { Sandbox: string; Production: string };
  connectedApp: { clientId: string; clientSecret: string; name: string };
  ownerUserId: string;
}

/** Anypoint connected-app ids and secrets are 32 hex characters. */
export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

export function newSeed(overrides: { connectedApp?: { clientId: string; clientSecret: string } } = {}): AnypointSeed {
  const app = overrides.connectedApp ??
    (process.env.ANYPOINT_SANDBOX_CLIENT_ID && process.env.ANYPOINT_SANDBOX_CLIENT_SECRET
      ? { clientId: process.env.ANYPOINT_SANDBOX_CLIENT_ID, clientSecret: process.env.ANYPOINT_SANDBOX_CLIENT_SECRET }
      : { clientId: randomHex(), clientSecret: randomHex() });
  return {
    orgId: randomUUID(),
    orgName: 'Solar System Inc.',
    orgDomain: 'solar-system',
    environments: { Sandbox: randomUUID(), Production: randomUUID() },
    connectedApp: { ...app, name: 'okta-anypoint-provisioning' },
    ownerUserId: randomUUID(),
  };
}

/** The guides' solar-system API: GET /planets needs silver, GET /moons needs gold. */
export const SOLAR_SYSTEM_RAML = `#%RAML 1.0
title: Solar System
version: v1
mediaType: application/json
description: The planets and moons of the solar system. Reading /planets needs the silver scope, /moons the gold scope.
securitySchemes:
  oauth_2_0:
    type: OAuth 2.0
    description: A bearer access token, introspected by the gateway.
    describedBy:
      headers:
        Authorization:
          type: string
      queryParameters:
        access_token:
          type: string
      responses:
        401:
          description: Missing, invalid or expired token.
        403:
          description: The token lacks the scope, or its client has no approved contract.
    settings:
      authorizationUri: https://example.okta.com/oauth2/default/v1/authorize
      accessTokenUri: https://example.okta.com/oauth2/default/v1/token
      authorizationGrants: [authorization_code, implicit, client_credentials]
/planets:
  get:
    securedBy: [oauth_2_0]
    responses:
      200:
        body:
          application/json:
            example: [{ "name": "Mercury", "order": 1 }]
/moons:
  get:
    securedBy: [oauth_2_0]
    responses:
      200:
        body:
          application/json:
            example: [{ "name": "Moon", "planet": "Earth" }]
`;

export function fileRecord(classifier: string, packaging: string, content: Buffer, mainFile: string | null, createdDate: string): ExchangeFileRecord {
  return {
    classifier,
    packaging,
    mainFile,
    md5: createHash('md5').update(content).digest('hex'),
    sha1: createHash('sha1').update(content).digest('hex'),
    size: content.length,
    createdDate,
    contentBase64: content.length <= 256 * 1024 ? content.toString('base64') : undefined,
  };
}

function policyAssets(createdAt: string): ExchangeAssetRecord[] {
  return POLICY_TEMPLATES.flatMap((t) =>
    t.versions.map((version) => ({
      groupId: MULESOFT_POLICY_GROUP,
      assetId: t.assetId,
      version,
      organizationId: MULESOFT_POLICY_GROUP,
      name: t.name,
      description: `${t.name} policy`,
      type: 'policy',
      status: 'published',
      files: [
        fileRecord('schema', 'json', Buffer.from(JSON.stringify(templateJsonSchema(t), null, 2)), null, createdAt),
        fileRecord('policy-definition', 'yaml', Buffer.from(templateDefinitionYaml(t)), null, createdAt),
      ],
      labels: [],
      createdById: 'mulesoft',
      createdAt,
      isPublic: true,
    })),
  );
}

export function seedState(seed: AnypointSeed): AnypointState {
  const now = new Date().toISOString();
  const env = (name: 'Sandbox' | 'Production') => ({
    id: seed.environments[name],
    name,
    organizationId: seed.orgId,
    isProduction: name === 'Production',
    type: name === 'Production' ? ('production' as const) : ('sandbox' as const),
    clientId: createHash('md5').update(`${seed.environments[name]}client`).digest('hex'),
    arcNamespace: `${seed.orgDomain}-${name.toLowerCase()}`,
  });
  return {
    org: {
      id: seed.orgId,
      name: seed.orgName,
      domain: seed.orgDomain,
      clientId: createHash('md5').update(`${seed.orgId}client`).digest('hex'),
      ownerId: seed.ownerUserId,
      createdAt: now,
    },
    environments: [env('Sandbox'), env('Production')],
    connectedApps: [{ ...seed.connectedApp }],
    users: [
      {
        id: seed.ownerUserId,
        username: 'solar-admin',
        email: 'admin@solar-system.example',
        firstName: 'Solar',
        lastName: 'Admin',
        createdAt: now,
      },
    ],
    tokens: {},
    clientProviders: [],
    identityProviders: [],
    ssoRequests: {},
    assets: [
      {
        groupId: seed.orgId,
        assetId: 'solar-system',
        version: '1.0.0',
        organizationId: seed.orgId,
        name: 'Solar System',
        description: 'The solar-system API of the Okta and MuleSoft guides',
        type: 'rest-api',
        status: 'published',
        apiVersion: 'v1',
        files: [fileRecord('raml', 'raml', Buffer.from(SOLAR_SYSTEM_RAML), 'solar-system.raml', now)],
        labels: ['okta', 'guide'],
        createdById: seed.ownerUserId,
        createdAt: now,
        isPublic: false,
      },
      ...policyAssets(now),
    ],
    applications: [],
    apis: [],
    deployments: [],
    policies: [],
    tiers: [],
    contracts: [],
    sequences: { api: 18_000_001, endpoint: 17_000_001, deployment: 16_000_001, policy: 4_000_001, tier: 2_000_001, contract: 9_000_001, application: 1_500_001, assetRecord: 3_000_001 },
  };
}
