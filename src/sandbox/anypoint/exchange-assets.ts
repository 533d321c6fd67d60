import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { exchangeError } from './errors';
import { requestBaseUrl } from '../core';
import { AnypointContext, page, requireOrg } from './http';
import { fileRecord } from './seed';
import { ExchangeAssetRecord, ExchangeFileRecord, nowIso } from './state';

/*
 * Exchange assets (docs-exchange exchange-api.adoc, spec exchange_assets):
 * - `POST /exchange/api/v2/organizations/{org}/assets/{groupId}/{assetId}/{version}` multipart with name,
 *   description, type, status, properties.mainFile, properties.apiVersion and `files.{classifier}[.{packaging}]`
 *   parts. `x-sync-publication: true` answers 201 with the asset; otherwise 202 with `publicationStatusLink`,
 *   which reports `completed` (publication is immediate in the sandbox). An existing version answers 409.
 * - Reads: `GET /exchange/api/v2/assets/{groupId}/{assetId}/{version}`, `…/{version}/asset`, `…/{assetId}/asset`
 *   (latest version). File contents (≤ 256 KiB) are downloadable, without a token, from each file's `externalLink`.
 * - Delete: 204; 409 while an API instance uses the version; MuleSoft's policy templates cannot be deleted.
 * - groupId must be the organization's id (no business groups in the sandbox).
 * - Absolute links (`publicationStatusLink`, files' `externalLink` / `downloadURL`) are built from the host the
 *   request came to (`X-Forwarded-*`, then `Host`), so a client behind a proxy is sent back through it. A file
 *   link ends with the Maven-style name `{assetId}-{version}-{classifier}.{packaging}`, the name clients save
 *   the download under (anypoint-cli takes the link's last path segment).
 * - The v1 routes anypoint-cli uses: `GET /exchange/api/v1/assets/{groupId}/{assetId}/{version}` (the v2 view,
 *   with `versions` as objects, `productAPIVersion` and `modifiedAt`, as v1 reports them) and
 *   `DELETE /exchange/api/v1/organizations/{org}/assets/{groupId}/{assetId}/{version}`.
 * - Search: `GET /exchange/api/v2/assets/search` (spec `/assets/search`), see {@link registerAssetSearch}.
 */

const ASSET_TYPES = ['rest-api', 'http-api', 'soap-api', 'raml-fragment', 'oas-components', 'custom', 'policy', 'template', 'example', 'connector', 'extension'];

function versionParts(version: string) {
  const [major = '0', minor = '0'] = version.split('.');
  return { minorVersion: `${major}.${minor}`, versionGroup: `v${major}` };
}

function fileName(a: ExchangeAssetRecord, f: ExchangeFileRecord): string {
  return `${a.assetId}-${a.version}-${f.classifier}.${f.packaging}`;
}

function fileLink(base: string, a: ExchangeAssetRecord, f: ExchangeFileRecord): string {
  const segments = [f.classifier, f.packaging, fileName(a, f)].map(encodeURIComponent).join('/');
  return `${base}/exchange/api/v2/assets/${a.groupId}/${a.assetId}/${a.version}/files/${segments}`;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Exchange's view of an asset version; `base` is the caller's base URL ({@link requestBaseUrl}) for the file links. */
export function assetView(ctx: AnypointContext, base: string, a: ExchangeAssetRecord) {
  const versions = ctx.state.assets.filter((x) => x.groupId === a.groupId && x.assetId === a.assetId).map((x) => x.version).sort(compareVersions);
  return {
    id: `${a.groupId}/${a.assetId}/${a.version}`,
    groupId: a.groupId,
    assetId: a.assetId,
    version: a.version,
    ...versionParts(a.version),
    organizationId: a.organizationId,
    isPublic: a.isPublic,
    name: a.name,
    description: a.description,
    contactName: null,
    contactEmail: null,
    type: a.type,
    isSnapshot: false,
    status: a.status,
    labels: [...a.labels],
    attributes: a.apiVersion ? [{ key: 'apiVersion', value: a.apiVersion }] : [],
    categories: [],
    customFields: [],
    files: a.files.map((f) => ({
      classifier: f.classifier,
      packaging: f.packaging,
      externalLink: fileLink(base, a, f),
      downloadURL: fileLink(base, a, f),
      md5: f.md5,
      sha1: f.sha1,
      createdDate: f.createdDate,
      mainFile: f.mainFile,
      isGenerated: false,
    })),
    createdById: a.createdById,
    createdAt: a.createdAt,
    versions,
    dependencies: [],
  };
}

export function findAsset(ctx: AnypointContext, groupId: string, assetId: string, version: string): ExchangeAssetRecord | undefined {
  return ctx.state.assets.find((a) => a.groupId === groupId && a.assetId === assetId && a.version === version);
}

interface Publication {
  fields: Record<string, string>;
  files: { field: string; filename: string; content: Buffer }[];
}

async function readMultipart(req: FastifyRequest): Promise<Publication> {
  if (!req.isMultipart()) throw exchangeError(400, 'The publication must be multipart/form-data');
  const out: Publication = { fields: {}, files: [] };
  for await (const part of req.parts()) {
    if (part.type === 'file') out.files.push({ field: part.fieldname, filename: part.filename, content: await part.toBuffer() });
    else out.fields[part.fieldname] = String(part.value);
  }
  return out;
}

export async function registerExchangeAssets(app: FastifyInstance, ctx: AnypointContext): Promise<void> {
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 20 } });

  app.post<{ Params: { orgId: string; groupId: string; assetId: string; version: string } }>(
    '/exchange/api/v2/organizations/:orgId/assets/:groupId/:assetId/:version',
    async (req, reply) => {
      const { orgId, groupId, assetId, version } = req.params;
      requireOrg(ctx, orgId, 'exchange');
      if (groupId !== orgId) throw exchangeError(403, `You cannot publish to the group ${groupId}: use your organization id ${orgId}`);
      if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw exchangeError(400, `Invalid version ${version}: use semantic versioning (x.y.z)`);
      if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(assetId)) throw exchangeError(400, `Invalid assetId ${assetId}`);
      const pub = await readMultipart(req);
      if (findAsset(ctx, groupId, assetId, version)) throw exchangeError(409, `The asset ${groupId}:${assetId}:${version} already exists; asset versions are immutable`);
      const name = pub.fields.name;
      const type = pub.fields.type;
      if (!name) throw exchangeError(400, 'name is required');
      if (!type) throw exchangeError(400, 'type is required');
      if (!ASSET_TYPES.includes(type)) throw exchangeError(400, `type must be one of ${ASSET_TYPES.join(', ')}`);
      const status = pub.fields.status ?? 'published';
      if (!['published', 'development'].includes(status)) throw exchangeError(400, 'status must be published or development');
      const mainFile = pub.fields['properties.mainFile'] ?? null;
      const now = nowIso();
      const files = pub.files.map((f) => {
        const [, classifier = 'custom', packaging] = f.field.split('.');
        const ext = f.filename.includes('.') ? f.filename.slice(f.filename.lastIndexOf('.') + 1) : 'bin';
        return fileRecord(classifier, packaging ?? ext, f.content, classifier === 'raml' || classifier === 'oas' || classifier === 'fat-raml' ? mainFile ?? f.filename : null, now);
      });
      if (type === 'rest-api' && files.length === 0) throw exchangeError(400, 'A rest-api asset needs its specification: send a files.raml (or files.oas) part');
      const asset: ExchangeAssetRecord = {
        groupId,
        assetId,
        version,
        organizationId: orgId,
        name,
        description: pub.fields.description ?? '',
        type,
        status,
        apiVersion: pub.fields['properties.apiVersion'],
        files,
        labels: (pub.fields.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean),
        createdById: req.anypointCaller?.record.connectedAppClientId ?? req.anypointCaller?.record.userId ?? 'unknown',
        createdAt: now,
        isPublic: false,
      };
      ctx.state.assets.push(asset);
      const base = requestBaseUrl(req, ctx);
      if (String(req.headers['x-sync-publication']).toLowerCase() === 'true') return reply.code(201).send(assetView(ctx, base, asset));
      const publicationId = randomUUID();
      return reply.code(202).send({
        publicationStatusLink: `${base}/exchange/api/v2/organizations/${orgId}/assets/${groupId}/${assetId}/${version}/publication/${publicationId}`,
      });
    },
  );

  app.get<{ Params: { orgId: string; groupId: string; assetId: string; version: string; publicationId: string } }>(
    '/exchange/api/v2/organizations/:orgId/assets/:groupId/:assetId/:version/publication/:publicationId',
    async (req) => {
      const { orgId, groupId, assetId, version, publicationId } = req.params;
      requireOrg(ctx, orgId, 'exchange');
      const asset = findAsset(ctx, groupId, assetId, version);
      if (!asset) throw exchangeError(404, `Publication ${publicationId} not found`);
      return { id: publicationId, status: 'completed', asset: assetView(ctx, requestBaseUrl(req, ctx), asset) };
    },
  );

  const readOne = (req: FastifyRequest, groupId: string, assetId: string, version: string) => {
    const asset = findAsset(ctx, groupId, assetId, version);
    if (!asset) throw exchangeError(404, `The asset ${groupId}:${assetId}:${version} does not exist`);
    return assetView(ctx, requestBaseUrl(req, ctx), asset);
  };

  type VersionParams = { Params: { groupId: string; assetId: string; version: string } };
  app.get<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version', async (req) => readOne(req, req.params.groupId, req.params.assetId, req.params.version));
  app.get<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version/asset', async (req) => readOne(req, req.params.groupId, req.params.assetId, req.params.version));

  app.get<{ Params: { groupId: string; assetId: string } }>('/exchange/api/v2/assets/:groupId/:assetId/asset', async (req) => {
    const versions = ctx.state.assets.filter((a) => a.groupId === req.params.groupId && a.assetId === req.params.assetId).sort((a, b) => compareVersions(b.version, a.version));
    if (versions.length === 0) throw exchangeError(404, `The asset ${req.params.groupId}:${req.params.assetId} does not exist`);
    return assetView(ctx, requestBaseUrl(req, ctx), versions[0]);
  });

  app.get<VersionParams>('/exchange/api/v1/assets/:groupId/:assetId/:version', async (req) => {
    const { groupId, assetId, version } = req.params;
    const view = readOne(req, groupId, assetId, version);
    const asset = findAsset(ctx, groupId, assetId, version)!;
    const siblings = ctx.state.assets.filter((a) => a.groupId === groupId && a.assetId === assetId).sort((a, b) => compareVersions(a.version, b.version));
    return {
      ...view,
      productAPIVersion: asset.apiVersion ?? null,
      modifiedAt: asset.createdAt,
      versions: siblings.map((v) => ({ organizationId: v.organizationId, groupId: v.groupId, assetId: v.assetId, version: v.version, productAPIVersion: v.apiVersion ?? null, status: v.status, createdDate: v.createdAt })),
    };
  });

  app.delete<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version', async (req, reply) => {
    deleteAssetVersion(ctx, req.params.groupId, req.params.assetId, req.params.version);
    return reply.code(204).send();
  });

  // `X-Delete-Type: soft-delete` moves a version to the trash on the platform; the sandbox has no trash, so both kinds remove it.
  app.delete<{ Params: VersionParams['Params'] & { orgId: string } }>('/exchange/api/v1/organizations/:orgId/assets/:groupId/:assetId/:version', async (req, reply) => {
    requireOrg(ctx, req.params.orgId, 'exchange');
    deleteAssetVersion(ctx, req.params.groupId, req.params.assetId, req.params.version);
    return reply.code(204).send();
  });

  registerAssetSearch(app, ctx);
}

function deleteAssetVersion(ctx: AnypointContext, groupId: string, assetId: string, version: string): void {
  const asset = findAsset(ctx, groupId, assetId, version);
  if (!asset) throw exchangeError(404, `The asset ${groupId}:${assetId}:${version} does not exist`);
  if (asset.isPublic || groupId !== ctx.state.org.id) throw exchangeError(403, `You cannot delete ${groupId}:${assetId}:${version}`);
  if (ctx.state.apis.some((a) => a.groupId === groupId && a.assetId === assetId && a.assetVersion === version)) {
    throw exchangeError(409, `The asset ${groupId}:${assetId}:${version} is used by an API instance; delete the instance first`);
  }
  ctx.state.assets = ctx.state.assets.filter((a) => a !== asset);
}

/** The organization an asset belongs to, as search results describe it (MuleSoft's own for its policies). */
function assetOrganization(ctx: AnypointContext, a: ExchangeAssetRecord) {
  const org = ctx.state.org;
  if (a.organizationId === org.id) {
    return { id: org.id, name: org.name, domain: org.domain, isMaster: true, isMulesoftOrganization: false, parentOrganizationIds: [] as string[], subOrganizationIds: [] as string[], tenantOrganizationIds: [] as string[] };
  }
  return { id: a.organizationId, name: 'MuleSoft', domain: 'mulesoft', isMaster: true, isMulesoftOrganization: true, parentOrganizationIds: [] as string[], subOrganizationIds: [] as string[], tenantOrganizationIds: [] as string[] };
}

type SearchQuery = Partial<Record<'search' | 'types' | 'domain' | 'masterOrganizationId' | 'organizationId' | 'offset' | 'limit' | 'sort' | 'ascending' | 'sharedWithMe' | 'includeSnapshots', string | string[]>>;

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean));
const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/*
 * `GET /exchange/api/v2/assets/search` (spec exchange_assets `/assets/search`). Choices where the spec is silent:
 * - `types` is required (400 without it, as the spec marks it); several types are repeated or comma-separated.
 * - `search` matches the name, assetId or description, case-insensitively; `organizationId` may repeat;
 *   `domain` and `masterOrganizationId` select an organization as `organizationId` does.
 * - Without an organization filter the caller sees its own organization's assets and MuleSoft's public ones;
 *   `sharedWithMe=true` leaves only the ones other organizations share (MuleSoft's public assets here).
 * - Only the latest version of each asset is listed (the asset portal's listing); snapshots do not exist in
 *   the sandbox, so `includeSnapshots` changes nothing. Sorted by `sort` (name, createdDate, updatedDate,
 *   assetId; default name) ascending unless `ascending=false`; `limit` defaults to 20 and is capped at 250.
 */
function registerAssetSearch(app: FastifyInstance, ctx: AnypointContext): void {
  app.get<{ Querystring: SearchQuery }>('/exchange/api/v2/assets/search', async (req) => {
    const q = req.query;
    const types = asList(q.types);
    if (types.length === 0) throw exchangeError(400, 'types is required: the asset types to search, e.g. types=rest-api');
    for (const key of ['offset', 'limit'] as const) {
      const value = single(q[key]);
      if (value !== undefined && !/^\d+$/.test(value)) throw exchangeError(400, `${key} must be a non-negative integer`);
    }
    const org = ctx.state.org;
    const orgFilter = new Set(asList(q.organizationId));
    const domain = single(q.domain);
    if (domain) orgFilter.add(domain === org.domain ? org.id : `domain:${domain}`);
    const master = single(q.masterOrganizationId);
    if (master) orgFilter.add(master);
    const sharedWithMe = single(q.sharedWithMe) === 'true';
    const text = single(q.search)?.toLowerCase();
    const latest = new Map<string, ExchangeAssetRecord>();
    for (const a of ctx.state.assets) {
      const key = `${a.groupId}/${a.assetId}`;
      const seen = latest.get(key);
      if (!seen || compareVersions(a.version, seen.version) > 0) latest.set(key, a);
    }
    const matching = [...latest.values()].filter((a) => {
      if (!types.includes(a.type)) return false;
      if (orgFilter.size > 0 ? !orgFilter.has(a.organizationId) : a.organizationId !== org.id && !a.isPublic) return false;
      if (sharedWithMe && a.organizationId === org.id) return false;
      return !text || [a.name, a.assetId, a.description].some((f) => f.toLowerCase().includes(text));
    });
    const sortKey = single(q.sort) ?? 'name';
    const sortValue = (a: ExchangeAssetRecord) => (sortKey === 'assetId' ? a.assetId : sortKey === 'createdDate' || sortKey === 'updatedDate' ? a.createdAt : a.name.toLowerCase());
    matching.sort((a, b) => sortValue(a).localeCompare(sortValue(b)) || a.assetId.localeCompare(b.assetId));
    if (single(q.ascending) === 'false') matching.reverse();
    const base = requestBaseUrl(req, ctx);
    return page(matching, { offset: single(q.offset), limit: single(q.limit) }, 20, 250).map((a) => {
      const { versions: _versions, dependencies: _dependencies, attributes: _attributes, ...view } = assetView(ctx, base, a);
      const creator = ctx.state.users.find((u) => u.id === a.createdById);
      return {
        ...view,
        minMuleVersion: null,
        icon: null,
        rating: 0,
        numberOfRates: 0,
        createdDate: a.createdAt,
        updatedDate: a.createdAt,
        modifiedAt: a.createdAt,
        createdBy: creator ? { id: creator.id, userName: creator.username, firstName: creator.firstName, lastName: creator.lastName } : { id: a.createdById, userName: a.createdById, firstName: '', lastName: '' },
        organization: assetOrganization(ctx, a),
      };
    });
  });
}

/** Public, like the pre-signed links Exchange hands out: file contents by their `externalLink`. */
export function registerExchangeFileDownloads(app: FastifyInstance, ctx: AnypointContext): void {
  const download = async (req: FastifyRequest<{ Params: { groupId: string; assetId: string; version: string; classifier: string; packaging: string } }>, reply: FastifyReply) => {
    const { groupId, assetId, version, classifier, packaging } = req.params;
    const file = findAsset(ctx, groupId, assetId, version)?.files.find((f) => f.classifier === classifier && f.packaging === packaging);
    if (!file?.contentBase64) throw exchangeError(404, `No downloadable ${classifier}.${packaging} file for ${groupId}:${assetId}:${version}`);
    const type = packaging === 'json' ? 'application/json' : packaging === 'zip' || packaging === 'jar' ? 'application/octet-stream' : 'text/plain; charset=utf-8';
    return reply.header('content-type', type).send(Buffer.from(file.contentBase64, 'base64'));
  };
  // With and without the trailing file name: links carry it, older links did not.
  app.get('/exchange/api/v2/assets/:groupId/:assetId/:version/files/:classifier/:packaging', download);
  app.get('/exchange/api/v2/assets/:groupId/:assetId/:version/files/:classifier/:packaging/:fileName', download);
}
