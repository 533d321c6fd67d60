import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { requestBaseUrl } from '../core';
import { assetView, compareVersions } from './exchange-assets';
import { AnypointContext, bearerOf, isRecord } from './http';
import type { AccessTokenRecord, ExchangeAssetRecord } from './state';

/*
 * The part of the Anypoint Graph API (`POST /graph/api/v2/graphql`) that Exchange and API Manager clients
 * query: assets, by search or by coordinates. anypoint-cli-v4 sends three queries (exchange-plugin
 * helpers/queries.js, api-mgr-plugin helpers/queries.js): `assets(limit, offset, searchTerm, organizationIds)`
 * for `exchange:asset:list`, `assets(types: "policy", limit, offset, latestVersionsOnly)` for
 * `api-mgr:policy:list -m`, and `asset(groupId, assetId, version)` for `api-mgr:policy:describe`. The GraphiQL
 * links in those files show the same search wrapped in `query: {…}` and a lookup as `assets(asset: {…})`;
 * both spellings are accepted. Choices where the references are silent:
 * - The token comes in the `accessToken` variable, as the CLI sends it (its Apollo link sets no header),
 *   or in a bearer Authorization header. Without a live one: 401 with a GraphQL error body, code UNAUTHENTICATED.
 * - Errors use the GraphQL-over-HTTP shape of an Apollo server: a query that does not parse or does not
 *   fit the schema (an unknown field or argument) answers 400 `{errors:[{message, locations,
 *   extensions:{code:"GRAPHQL_PARSE_FAILED"|"GRAPHQL_VALIDATION_FAILED"}}]}`; a request without a query
 *   answers 400 code BAD_REQUEST.
 * - Visibility is Exchange search's: the caller's organization and MuleSoft's public assets, or the
 *   `organizationIds` given. `latestVersionsOnly` defaults to true (one entry per asset, its highest
 *   version); `limit` defaults to 20 (capped at 250). `searchTerm` matches name, assetId or description.
 * - `asset(…)` without a version answers the latest version; an unknown asset is null, not an error.
 */

const SCHEMA = buildSchema(`
  type Query {
    assets(
      limit: Int
      offset: Int
      searchTerm: String
      organizationIds: [String]
      types: [String]
      tags: [String]
      latestVersionsOnly: Boolean
      query: AssetSearch
      asset: AssetCoordinates
    ): [Asset!]!
    asset(groupId: String!, assetId: String!, version: String): Asset
  }

  input AssetSearch {
    limit: Int
    offset: Int
    searchTerm: String
    organizationIds: [String]
    types: [String]
    tags: [String]
  }

  input AssetCoordinates {
    groupId: String!
    assetId: String!
    version: String
  }

  type Asset {
    id: String!
    groupId: String!
    assetId: String!
    version: String!
    minorVersion: String
    versionGroup: String
    name: String!
    description: String
    type: String!
    status: String
    isPublic: Boolean
    organizationId: String
    labels: [String!]
    createdDate: String
    updatedDate: String
    createdAt: String
    updatedAt: String
    files: [AssetFile!]
  }

  type AssetFile {
    classifier: String!
    packaging: String
    externalLink: String
    downloadURL: String
    mainFile: String
    md5: String
    sha1: String
    createdDate: String
  }
`);

interface SearchArgs {
  limit?: number | null;
  offset?: number | null;
  searchTerm?: string | null;
  organizationIds?: (string | null)[] | null;
  types?: (string | null)[] | null;
  tags?: (string | null)[] | null;
  latestVersionsOnly?: boolean | null;
  query?: Omit<SearchArgs, 'query' | 'asset' | 'latestVersionsOnly'> | null;
  asset?: { groupId: string; assetId: string; version?: string | null } | null;
}

interface GraphContext {
  ctx: AnypointContext;
  base: string;
}

function graphAsset(g: GraphContext, a: ExchangeAssetRecord) {
  const view = assetView(g.ctx, g.base, a);
  return { ...view, createdDate: a.createdAt, updatedDate: a.createdAt, updatedAt: a.createdAt };
}

const present = (list: (string | null)[] | null | undefined): string[] => (list ?? []).filter((x): x is string => typeof x === 'string' && x !== '');

function latestOf(assets: ExchangeAssetRecord[]): ExchangeAssetRecord[] {
  const latest = new Map<string, ExchangeAssetRecord>();
  for (const a of assets) {
    const key = `${a.groupId}/${a.assetId}`;
    const seen = latest.get(key);
    if (!seen || compareVersions(a.version, seen.version) > 0) latest.set(key, a);
  }
  return [...latest.values()];
}

function searchAssets(g: GraphContext, args: SearchArgs) {
  const state = g.ctx.state;
  if (args.asset) {
    const { groupId, assetId, version } = args.asset;
    const versions = state.assets.filter((a) => a.groupId === groupId && a.assetId === assetId && (!version || a.version === version));
    const chosen = args.latestVersionsOnly === false ? versions : latestOf(versions);
    return chosen.map((a) => graphAsset(g, a));
  }
  const q = { ...args, ...(args.query ?? {}) };
  const orgIds = present(q.organizationIds);
  const types = present(q.types);
  const tags = present(q.tags);
  const text = q.searchTerm?.toLowerCase();
  const visible = state.assets.filter((a) => (orgIds.length > 0 ? orgIds.includes(a.organizationId) : a.organizationId === state.org.id || a.isPublic));
  const matching = (args.latestVersionsOnly === false ? visible : latestOf(visible))
    .filter((a) => types.length === 0 || types.includes(a.type))
    .filter((a) => tags.every((t) => a.labels.includes(t)))
    .filter((a) => !text || [a.name, a.assetId, a.description].some((f) => f.toLowerCase().includes(text)))
    .sort((a, b) => a.name.localeCompare(b.name) || a.assetId.localeCompare(b.assetId) || compareVersions(a.version, b.version));
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.min(250, Math.max(0, q.limit ?? 20));
  return matching.slice(offset, offset + limit).map((a) => graphAsset(g, a));
}

const rootValue = {
  assets: (args: SearchArgs, g: GraphContext) => searchAssets(g, args),
  asset: (args: { groupId: string; assetId: string; version?: string | null }, g: GraphContext) => searchAssets(g, { asset: args })[0] ?? null,
};

function errorBody(message: string, code: string, extra: Partial<GraphQLFormattedError> = {}) {
  return { errors: [{ message, ...extra, extensions: { code } }] };
}

function liveToken(ctx: AnypointContext, token: string | undefined): AccessTokenRecord | undefined {
  const record = token ? ctx.state.tokens[token] : undefined;
  return record && record.expiresAt > Date.now() ? record : undefined;
}

interface GraphRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

async function answer(ctx: AnypointContext, req: FastifyRequest, reply: FastifyReply, input: GraphRequest) {
  const variables = isRecord(input.variables) ? input.variables : {};
  const token = typeof variables.accessToken === 'string' ? variables.accessToken : bearerOf(req);
  if (!liveToken(ctx, token)) return reply.code(401).send(errorBody('Unauthorized: a valid access token is required', 'UNAUTHENTICATED'));
  if (typeof input.query !== 'string' || input.query.trim() === '') return reply.code(400).send(errorBody('The request must carry a GraphQL query', 'BAD_REQUEST'));
  let document: DocumentNode;
  try {
    document = parse(input.query);
  } catch (err) {
    const e = err as GraphQLError;
    return reply.code(400).send({ errors: [{ ...e.toJSON(), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
  }
  const invalid = validate(SCHEMA, document);
  if (invalid.length > 0) return reply.code(400).send({ errors: invalid.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) });
  const contextValue: GraphContext = { ctx, base: requestBaseUrl(req, ctx) };
  const result = await execute({
    schema: SCHEMA,
    document,
    rootValue,
    contextValue,
    variableValues: variables,
    operationName: typeof input.operationName === 'string' ? input.operationName : undefined,
  });
  const errors = result.errors?.map((e) => ({ ...e.toJSON(), extensions: { code: 'BAD_USER_INPUT', ...e.extensions } }));
  // Variables that do not fit their declared types fail before execution: no data, 400, as Apollo answers.
  if (errors && result.data === undefined) return reply.code(400).send({ errors });
  return reply.code(200).send({ ...(errors ? { errors } : {}), data: result.data ?? null });
}

/** Public (the token travels in the query's variables); registered outside the bearer-checking scope. */
export function registerGraphApi(app: FastifyInstance, ctx: AnypointContext): void {
  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send(errorBody(status === 500 ? 'Internal server error' : error.message, status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'));
  });
  app.post<{ Body: GraphRequest | undefined }>('/graph/api/v2/graphql', async (req, reply) => answer(ctx, req, reply, req.body ?? {}));
  app.get<{ Querystring: { query?: string; variables?: string; operationName?: string } }>('/graph/api/v2/graphql', async (req, reply) => {
    let variables: unknown = {};
    try {
      variables = req.query.variables ? JSON.parse(req.query.variables) : {};
    } catch {
      return reply.code(400).send(errorBody('variables must be JSON', 'BAD_REQUEST'));
    }
    return answer(ctx, req, reply, { query: req.query.query, variables, operationName: req.query.operationName });
  });
}
