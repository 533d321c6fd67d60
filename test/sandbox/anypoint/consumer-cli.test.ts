import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { AnypointTestClient, startAnypoint } from './support/anypoint-kit';
import { StrictProvider, startStrictProvider } from './support/strict-provider';

const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** `npm run sandbox -- request-access | delete-application` against a running Anypoint sandbox, as a child process. */
describe('The sandbox CLI acting as a consumer', () => {
  let anypoint: AnypointTestClient;
  let idp: StrictProvider;

  beforeAll(async () => {
    [anypoint, idp] = await Promise.all([startAnypoint(), startStrictProvider()]);
  });
  afterAll(async () => {
    await anypoint.sandbox.close();
    await idp.close();
  });

  const sandboxCli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(TSX, ['src/sandbox/cli.ts', ...args, '--anypoint-url', anypoint.sandbox.url], { cwd: ROOT }, (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );

  it('requests access with a tier, keeps the secret out of the output unless asked, deletes the application, and exits with the project codes', async () => {
    const api = await anypoint.createInstance({ providerId: await anypoint.createClientProvider(idp), instanceLabel: 'cli' });
    await anypoint.post(`${anypoint.apis()}/${api.id}/tiers`, { name: 'Gold', status: 'ACTIVE', autoApprove: false, limits: [{ maximumRequests: 5, timePeriodInMilliseconds: 60000, visible: true }] });

    const requested = await sandboxCli(['request-access', '--api', String(api.id), '--name', 'CLI consumer', '--tier', 'Gold', '--json']);
    expect(requested).toMatchObject({ code: 0, stderr: '' });
    const body = JSON.parse(requested.stdout);
    expect(body).toMatchObject({ application: { name: 'CLI consumer', clientId: expect.any(String) }, contract: { status: 'PENDING', requestedTier: { name: 'Gold' } } });
    expect(body.application.clientSecret).toBeUndefined();
    const secret = (await anypoint.get(`/exchange/api/v2/organizations/${anypoint.org}/applications/${body.application.id}?targetAdminSite=true`)).body.clientSecret;
    expect(requested.stdout).not.toContain(secret);

    const text = await sandboxCli(['request-access', '--api', String(api.id), '--name', 'Shown consumer', '--tier', 'Gold', '--show-secret']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Application \d+ "Shown consumer" {3}client id \S+ {3}secret \S+\nContract \d+ on API \d+: PENDING \(tier Gold\)/);

    expect(await sandboxCli(['request-access', '--api', String(api.id), '--name', 'No tier'])).toMatchObject({ code: 2, stderr: expect.stringContaining('choose one with tier') });
    expect(await sandboxCli(['request-access', '--api', String(api.id), '--name', 'Bad tier', '--tier', 'Platinum'])).toMatchObject({ code: 4, stderr: expect.stringContaining('Platinum') });

    const deleted = await sandboxCli(['delete-application', String(body.application.id), '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ application: { id: body.application.id, name: 'CLI consumer', clientId: body.application.clientId }, deletedContracts: [{ id: body.contract.id, apiId: api.id, status: 'PENDING' }] });
    expect(await sandboxCli(['delete-application', String(body.application.id)])).toMatchObject({ code: 4 });
  });
});
