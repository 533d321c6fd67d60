import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { exchangeError } from './errors';
import { AnypointContext, requireOrg } from './http';
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
 */

const ASSET_TYPES = ['rest-api', 'http-api', 'soap-api', 'raml-fragment', 'oas-components', 'custom', 'policy', 'template', 'example', 'connector', 'extension'];

function versionParts(version: string) {
  const [major = '0', minor = '0'] = version.split('.');
  return { minorVersion: `${major}.${minor}`, versionGroup: `v${major}` };
}

function fileLink(ctx: AnypointContext, a: ExchangeAssetRecord, f: ExchangeFileRecord): string {
  return `${ctx.baseUrl}/exchange/api/v2/assets/${a.groupId}/${a.assetId}/${a.version}/files/${encodeURIComponent(f.classifier)}/${encodeURIComponent(f.packaging)}`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function assetView(ctx: AnypointContext, a: ExchangeAssetRecord) {
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
      externalLink: fileLink(ctx, a, f),
      downloadURL: fileLink(ctx, a, f),
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
      if (String(req.headers['x-sync-publication']).toLowerCase() === 'true') return reply.code(201).send(assetView(ctx, asset));
      const publicationId = randomUUID();
      return reply.code(202).send({
        publicationStatusLink: `${ctx.baseUrl}/exchange/api/v2/organizations/${orgId}/assets/${groupId}/${assetId}/${version}/publication/${publicationId}`,
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
      return { id: publicationId, status: 'completed', asset: assetView(ctx, asset) };
    },
  );

  const readOne = (groupId: string, assetId: string, version: string) => {
    const asset = findAsset(ctx, groupId, assetId, version);
    if (!asset) throw exchangeError(404, `The asset ${groupId}:${assetId}:${version} does not exist`);
    return assetView(ctx, asset);
  };

  type VersionParams = { Params: { groupId: string; assetId: string; version: string } };
  app.get<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version', async (req) => readOne(req.params.groupId, req.params.assetId, req.params.version));
  app.get<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version/asset', async (req) => readOne(req.params.groupId, req.params.assetId, req.params.version));

  app.get<{ Params: { groupId: string; assetId: string } }>('/exchange/api/v2/assets/:groupId/:assetId/asset', async (req) => {
    const versions = ctx.state.assets.filter((a) => a.groupId === req.params.groupId && a.assetId === req.params.assetId).sort((a, b) => compareVersions(b.version, a.version));
    if (versions.length === 0) throw exchangeError(404, `The asset ${req.params.groupId}:${req.params.assetId} does not exist`);
    return assetView(ctx, versions[0]);
  });

  app.delete<VersionParams>('/exchange/api/v2/assets/:groupId/:assetId/:version', async (req, reply) => {
    const { groupId, assetId, version } = req.params;
    const asset = findAsset(ctx, groupId, assetId, version);
    if (!asset) throw exchangeError(404, `The asset ${groupId}:${assetId}:${version} does not exist`);
    if (asset.isPublic || groupId !== ctx.state.org.id) throw exchangeError(403, `You cannot delete ${groupId}:${assetId}:${version}`);
    if (ctx.state.apis.some((a) => a.groupId === groupId && a.assetId === assetId && a.assetVersion === version)) {
      throw exchangeError(409, `The asset ${groupId}:${assetId}:${version} is used by an API instance; delete the instance first`);
    }
    ctx.state.assets = ctx.state.assets.filter((a) => a !== asset);
    return reply.code(204).send();
  });
}

/** Public, like the pre-signed links Exchange hands out: file contents by their `externalLink`. */
export function registerExchangeFileDownloads(app: FastifyInstance, ctx: AnypointContext): void {
  app.get<{ Params: { groupId: string; assetId: string; version: string; classifier: string; packaging: string } }>(
    '/exchange/api/v2/assets/:groupId/:assetId/:version/files/:classifier/:packaging',
    async (req, reply) => {
      const { groupId, assetId, version, classifier, packaging } = req.params;
      const file = findAsset(ctx, groupId, assetId, version)?.files.find((f) => f.classifier === classifier && f.packaging === packaging);
      if (!file?.contentBase64) throw exchangeError(404, `No downloadable ${classifier}.${packaging} file for ${groupId}:${assetId}:${version}`);
      const type = packaging === 'json' ? 'application/json' : packaging === 'zip' || packaging === 'jar' ? 'application/octet-stream' : 'text/plain; charset=utf-8';
      return reply.header('content-type', type).send(Buffer.from(file.contentBase64, 'base64'));
    },
  );
}
