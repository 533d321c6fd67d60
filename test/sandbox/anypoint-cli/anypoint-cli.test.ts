/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI prints open JSON documents. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent } from 'undici';
import { prepareSandboxTls, type SandboxTls } from '../../../src/sandbox/core';
import { ANYPOINT_TLS_HOSTNAMES } from '../../../src/sandbox';
import { AnypointTestClient, clientProviderBody, startAnypoint } from '../anypoint/support/anypoint-kit';
import { startStrictProvider, type StrictProvider } from '../anypoint/support/strict-provider';

/*
 * MuleSoft's own CLI (anypoint-cli-v4, pinned in devDependencies) against the Anypoint sandbox over HTTPS,
 * as an admin scripts it: child processes, the connected app's credentials in ANYPOINT_CLIENT_ID/SECRET,
 * `--output json`, certificate checks on (the sandbox CA through NODE_EXTRA_CA_CERTS, nothing disabled).
 * The CLI sends its token only to hosts named like anypoint.mulesoft, so it talks to
 * anypoint.mulesoft.localhost, which support/hosts.cjs resolves to 127.0.0.1 inside the CLI process.
 */

const CLI_ENTRY = require.resolve('anypoint-cli-v4/bin/run');
const HOSTS_PRELOAD = resolve(__dirname, 'support/hosts.cjs');
const CLI_HOST_NAME = ANYPOINT_TLS_HOSTNAMES[0];
const OIDC_TEMPLATE = 'openidconnect-access-token-enforcement';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('anypoint-cli-v4 against the Anypoint sandbox over HTTPS', () => {
  let work: string;
  let tls: SandboxTls;
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;
  let cliEnv: NodeJS.ProcessEnv;
  let providerId: string;
  let apiId: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'anypoint-cli-'));
    tls = await prepareSandboxTls({ dir: join(work, 'state'), extraHostnames: ANYPOINT_TLS_HOSTNAMES });
    const trusting = new Agent({ connect: { ca: readFileSync(tls.caFile, 'utf8') } });
    [anypoint, idp] = await Promise.all([startAnypoint({ tls }, trusting), startStrictProvider()]);
    const provider = await anypoint.post(`/accounts/api/organizations/${anypoint.org}/clientProviders`, clientProviderBody(idp, 'Solar IdP'));
    providerId = provider.body.provider_id;
    const home = join(work, 'home');
    // Only what the CLI needs: no proxy variables, no NODE_TLS_REJECT_UNAUTHORIZED, a HOME of its own.
    cliEnv = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      NODE_EXTRA_CA_CERTS: tls.caFile,
      NODE_OPTIONS: `--require ${HOSTS_PRELOAD}`,
      SANDBOX_HOSTS: CLI_HOST_NAME,
      ANYPOINT_HOST: `${CLI_HOST_NAME}:${new URL(anypoint.sandbox.url).port}`,
      ANYPOINT_CLIENT_ID: anypoint.sandbox.connectedApp.clientId,
      ANYPOINT_CLIENT_SECRET: anypoint.sandbox.connectedApp.clientSecret,
      ANYPOINT_ENV: 'Sandbox',
    };
  });

  afterAll(async () => {
    await anypoint?.sandbox.close();
    await idp?.close();
    rmSync(work, { recursive: true, force: true });
  });

  function cli(args: string[], env: NodeJS.ProcessEnv = cliEnv): Promise<CliRun> {
    return new Promise((done) => {
      execFile(process.execPath, [CLI_ENTRY, ...args], { env, cwd: work, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      });
    });
  }

  /** Runs a command with `--output json`, expects success and returns what it printed, parsed. */
  async function cliJson(args: string[]): Promise<any> {
    const run = await cli([...args, '--output', 'json']);
    if (run.code !== 0) throw new Error(`anypoint-cli-v4 ${args.join(' ')} exited ${run.code}: ${run.stderr || run.stdout}`);
    return JSON.parse(run.stdout);
  }

  async function expectCliOk(args: string[]): Promise<string> {
    const run = await cli(args);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
    return run.stdout;
  }

  /** What the CLI reported, without oclif's line wrapping and `›` margins. */
  const said = (run: CliRun) => `${run.stdout} ${run.stderr}`.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ');

  const requestsTo = (method: string, path: string) => anypoint.sandbox.ctx.log.snapshot().entries.filter((e) => e.method === method && e.url.split('?')[0] === path);

  it('refuses the sandbox without its CA: certificate checks are on', async () => {
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = cliEnv;
    const run = await cli(['account:user:describe', '--output', 'json'], untrusting);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/certificate|self[- ]signed|UNABLE_TO_VERIFY/i);
  });

  it('logs in with the connected app and describes the caller (users/me with createdAt and the root org)', async () => {
    const user = await cliJson(['account:user:describe']);
    expect(user).toMatchObject({ id: anypoint.sandbox.connectedApp.clientId, username: 'connected-app:okta-anypoint-provisioning', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(user.memberOfOrganizations).toEqual([expect.objectContaining({ id: anypoint.org, isRoot: true })]);
    const logins = [...requestsTo('POST', '/accounts/api/v2/oauth2/token'), ...requestsTo('GET', '/accounts/api/users/me')];
    expect(logins.map((e) => e.url.split('?')[0])).toEqual(expect.arrayContaining(['/accounts/api/v2/oauth2/token', '/accounts/api/users/me']));
    expect(logins.every((e) => e.status === 200)).toBe(true);
    const groups = await cliJson(['account:business-group:list']);
    expect(groups).toEqual([expect.objectContaining({ id: anypoint.org, name: 'Solar System Inc.', isRoot: true })]);
  });

  it('uploads an asset (v2, asynchronous publication followed through the link) and describes it (v1)', async () => {
    const raml = join(work, 'moons.raml');
    writeFileSync(raml, '#%RAML 1.0\ntitle: Moons\nversion: v1\n/moons:\n  get:\n');
    const out = await expectCliOk(['exchange:asset:upload', '--name', 'Moons API', '--description', 'The moons', '--type', 'rest-api', '--properties', '{"mainFile":"moons.raml","apiVersion":"v1"}', '--files', `{"raml.raml":"${raml}"}`, 'moons-api/1.0.0']);
    expect(out).toContain('Publishing completed');
    const status = anypoint.sandbox.ctx.log.snapshot().entries.filter((e) => e.url.includes('/moons-api/1.0.0/publication/'));
    expect(status.length).toBeGreaterThan(0);
    expect(status.every((e) => e.status === 200)).toBe(true);

    const asset = await cliJson(['exchange:asset:describe', 'moons-api/1.0.0']);
    expect(asset).toMatchObject({ groupId: anypoint.org, assetId: 'moons-api', version: '1.0.0', name: 'Moons API', type: 'rest-api', status: 'published', productAPIVersion: 'v1' });
    expect(asset.versions).toEqual([expect.objectContaining({ version: '1.0.0' })]);
    expect(asset.files[0].externalLink).toMatch(new RegExp(`^https://${CLI_HOST_NAME}:\\d+/exchange/`));
  });

  it('lists assets through the Graph API, with and without a search term', async () => {
    const all = await cliJson(['exchange:asset:list']);
    expect(all.map((a: any) => a.assetId)).toEqual(expect.arrayContaining(['moons-api', 'solar-system', OIDC_TEMPLATE]));
    expect(all.length).toBeLessThanOrEqual(10);
    const moons = await cliJson(['exchange:asset:list', 'moons', '--organizationId', anypoint.org]);
    expect(moons).toEqual([expect.objectContaining({ groupId: anypoint.org, assetId: 'moons-api', version: '1.0.0', name: 'Moons API', type: 'rest-api', createdDate: expect.any(String) })]);
  });

  it('downloads the main file of an asset into a folder', async () => {
    const dir = join(work, 'downloads');
    const out = await expectCliOk(['exchange:asset:download', 'moons-api/1.0.0', dir]);
    expect(out).toContain('Asset downloaded');
    expect(readFileSync(join(dir, 'moons-api-1.0.0-raml.raml'), 'utf8')).toContain('/moons:');
  });

  it('manages an API instance from the asset with a client provider, then lists and describes it', async () => {
    const created = await cliJson(['api-mgr:api:manage', 'moons-api', '1.0.0', '-m', '--deploymentType', 'cloudhub', '--uri', 'http://127.0.0.1:9/moons', '--apiInstanceLabel', 'moons', '--providerId', providerId]);
    expect(created.message).toMatch(/^Created new API with ID: \d+$/);
    apiId = Number(created.message.split(': ')[1]);
    const listed = await cliJson(['api-mgr:api:list']);
    expect(listed).toEqual([expect.objectContaining({ id: apiId, assetId: 'moons-api', instanceLabel: 'moons' })]);
    const described = await cliJson(['api-mgr:api:describe', String(apiId)]);
    expect(described).toMatchObject({ id: apiId, assetId: 'moons-api', assetVersion: '1.0.0', providerId, endpoint: { uri: 'http://127.0.0.1:9/moons' } });
  });

  it('lists the instance upstreams: its implementation URI', async () => {
    // The table: with --output json this CLI version prints nothing (it passes the URL builder as the data).
    const out = await expectCliOk(['api-mgr:upstream:list', String(apiId)]);
    expect(out).toContain('http://127.0.0.1:9/moons');
    expect(out).not.toContain('not found');
    expect(requestsTo('GET', `${anypoint.apis()}/${apiId}/upstreams`).map((e) => e.status)).toEqual([200]);
  });

  it('lists the Mule 4 policy templates and describes one through the Graph API', async () => {
    const templates = await cliJson(['api-mgr:policy:list', '-m']);
    expect(templates).toEqual(expect.arrayContaining([expect.objectContaining({ 'Asset ID': OIDC_TEMPLATE, Version: '1.3.0', Name: 'OpenID Connect access token enforcement' })]));
    expect(templates.every((t: any) => t['Group ID'] === '68ef9520-24e9-4cf2-b2f5-620025690913')).toBe(true);
    const described = await cliJson(['api-mgr:policy:describe', OIDC_TEMPLATE, '--policyVersion', '1.3.0']);
    expect(described).toMatchObject({ name: 'OpenID Connect access token enforcement', category: 'Security' });
    expect(described.configuration).toEqual(expect.arrayContaining([expect.objectContaining({ propertyName: 'scopes', type: 'string' }), expect.objectContaining({ propertyName: 'scopeValidationCriteria', type: 'radio' })]));
  });

  it('applies, lists and removes the OpenID Connect access token enforcement policy', async () => {
    const applied = await cliJson(['api-mgr:policy:apply', String(apiId), OIDC_TEMPLATE, '--policyVersion', '1.3.0', '-c', '{"scopes":"silver","scopeValidationCriteria":"AND"}']);
    const policyId = /^Policy applied. New policy ID: "(\d+)"$/.exec(applied.message)?.[1];
    expect(policyId).toBeDefined();
    const policies = await cliJson(['api-mgr:policy:list', String(apiId)]);
    expect(policies).toEqual([expect.objectContaining({ ID: Number(policyId), 'Asset ID': OIDC_TEMPLATE, 'Asset Version': '1.3.0', Status: 'Enabled', Configuration: expect.stringContaining('scopes: silver') })]);
    const out = await expectCliOk(['api-mgr:policy:remove', String(apiId), String(policies[0].ID)]);
    expect(out).toContain(String(policies[0].ID));
    expect(await cliJson(['api-mgr:policy:list', String(apiId)])).toEqual([]);
  });

  it("deletes the contract of the client id it is given, and leaves the other application's", async () => {
    const appFor = async (name: string) => (await anypoint.post(`/exchange/api/v2/organizations/${anypoint.org}/applications?apiInstanceId=${apiId}`, { name, grantTypes: ['client_credentials'] })).body;
    const first = await appFor('Apollo client');
    const second = await appFor('Gemini client');
    const contracts = `${anypoint.apis()}/${apiId}/contracts`;
    const xapi = (id: number) => `/apimanager/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/contracts/${id}/revoke`;
    for (const app of [first, second]) {
      const contract = await anypoint.post(contracts, { applicationId: app.id, acceptedTerms: true });
      expect(contract.status).toBe(201);
      // Revoked, so that deleting the wrong one would succeed too: only the filter picks the right one.
      expect((await anypoint.post(xapi(contract.body.id))).status).toBe(201);
    }
    const listed = await cliJson(['api-mgr:contract:list', String(apiId)]);
    expect(listed.map((c: any) => c.application.coreServicesId)).toEqual([first.clientId, second.clientId]);

    const out = await expectCliOk(['api-mgr:contract:delete', String(apiId), second.clientId]);
    expect(out).toContain(`Contract deleted from API instance with ID "${apiId}"`);
    const left = (await anypoint.get(contracts)).body.contracts;
    expect(left.map((c: any) => c.application.coreServicesId)).toEqual([first.clientId]);
    const missing = await cli(['api-mgr:contract:delete', String(apiId), 'no-such-client-id']);
    expect(missing.code).not.toBe(0);
    expect(said(missing)).toContain('Contract with Client ID no-such-client-id not found');
  });

  it('adds and lists SLA tiers', async () => {
    await expectCliOk(['api-mgr:tier:add', String(apiId), '--name', 'Gold', '--description', 'Gold tier', '-l', 'true,100,min', '-a']);
    const tiers = await cliJson(['api-mgr:tier:list', String(apiId)]);
    expect(tiers).toEqual([expect.objectContaining({ name: 'Gold', status: 'ACTIVE', autoApprove: true, limits: [{ maximumRequests: 100, timePeriodInMilliseconds: 60_000, visible: true }] })]);
  });

  it('deletes the asset version (v1 route) once no instance uses it', async () => {
    const inUse = await cli(['exchange:asset:delete', 'moons-api/1.0.0']);
    expect(inUse.code).not.toBe(0);
    expect(said(inUse)).toContain('is used by an API instance');
    expect((await anypoint.delete(`${anypoint.apis()}/${apiId}`)).status).toBe(204);
    const out = await expectCliOk(['exchange:asset:delete', 'moons-api/1.0.0']);
    expect(out).toContain('Asset deleted');
    expect((await anypoint.get(`/exchange/api/v2/assets/${anypoint.org}/moons-api/1.0.0`)).status).toBe(404);
    const gone = await cli(['exchange:asset:describe', 'moons-api/1.0.0', '--output', 'json']);
    expect(gone.code).not.toBe(0);
    expect(said(gone)).toContain('does not exist');
  });
});
