import { AnypointTestClient, startAnypoint } from './support/anypoint-kit';

describe('Proxy deployments', () => {
  let anypoint: AnypointTestClient;
  const deployments = (apiId: number) => `/proxies/xapi/v1/organizations/${anypoint.org}/environments/${anypoint.env}/apis/${apiId}/deployments`;
  const ch = (applicationName: string) => ({ type: 'CH', applicationName, gatewayVersion: '4.4.0', environmentId: anypoint.env, environmentName: 'Sandbox', overwrite: false, expectedStatus: 'deployed' });

  beforeAll(async () => {
    anypoint = await startAnypoint();
  });
  afterAll(() => anypoint.sandbox.close());

  it('deploys a CloudHub proxy that reports deployed, and shows on the instance', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'deployed' });
    const res = await anypoint.post(deployments(api.id), ch('okta-solar-proxy'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(Number), type: 'CH', applicationName: 'okta-solar-proxy', gatewayVersion: '4.4.0', environmentName: 'Sandbox', expectedStatus: 'deployed' });
    expect((await anypoint.get(`${deployments(api.id)}/${res.body.id}/status`)).body.status).toBe('deployed');
    const list = await anypoint.get(deployments(api.id));
    expect(list.body).toEqual([expect.objectContaining({ id: res.body.id })]);
    const instance = await anypoint.get(`${anypoint.apis()}/${api.id}`);
    expect(instance.body).toMatchObject({ status: 'active', deployment: { applicationName: 'okta-solar-proxy', type: 'CH' } });
  });

  it('accepts hybrid, RTF and CloudHub 2 targets', async () => {
    for (const type of ['HY', 'RF', 'CH2']) {
      const api = await anypoint.createInstance({ instanceLabel: `target-${type}` });
      const res = await anypoint.post(deployments(api.id), { type, targetId: `target-${type}`, targetName: 'Target', gatewayVersion: '4.6.0', environmentId: anypoint.env, ...(type === 'CH2' ? { applicationName: `ch2-${type.toLowerCase()}-proxy` } : {}) });
      expect(res.status).toBe(201);
    }
  });

  it('needs an application name for CloudHub and a target for the others, in the validation shape', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'invalid' });
    const noName = await anypoint.post(deployments(api.id), { type: 'CH' });
    expect(noName.status).toBe(400);
    expect(noName.body.errors[0]).toEqual({ path: '/body/applicationName', message: "must have required property 'applicationName'", errorCode: 'required.openapi.validation' });
    expect((await anypoint.post(deployments(api.id), { type: 'HY' })).status).toBe(400);
    expect((await anypoint.post(deployments(api.id), ch('Not A Host Name'))).status).toBe(400);
  });

  it('keeps CloudHub application names globally unique', async () => {
    const first = await anypoint.createInstance({ instanceLabel: 'first' });
    const second = await anypoint.createInstance({ instanceLabel: 'second' });
    expect((await anypoint.post(deployments(first.id), ch('taken-name'))).status).toBe(201);
    const clash = await anypoint.post(deployments(second.id), ch('taken-name'));
    expect(clash.status).toBe(409);
    expect(clash.body).toEqual({ name: 'ConflictError', message: expect.stringContaining('taken-name') });
  });

  it('has one deployment per instance unless overwrite is asked for', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'once' });
    const first = await anypoint.post(deployments(api.id), ch('once-proxy'));
    expect((await anypoint.post(deployments(api.id), ch('once-proxy'))).status).toBe(409);
    const again = await anypoint.post(deployments(api.id), { ...ch('once-proxy'), overwrite: true, gatewayVersion: '4.6.0' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('patches, undeploys and deletes', async () => {
    const api = await anypoint.createInstance({ instanceLabel: 'patched' });
    const d = (await anypoint.post(deployments(api.id), ch('patch-proxy'))).body;
    const patched = await anypoint.patch(`${deployments(api.id)}/${d.id}`, { gatewayVersion: '4.6.0' });
    expect(patched.body.gatewayVersion).toBe('4.6.0');
    await anypoint.patch(`${deployments(api.id)}/${d.id}`, { expectedStatus: 'undeployed' });
    expect((await anypoint.get(`${deployments(api.id)}/${d.id}/status`)).body.status).toBe('undeployed');
    expect((await anypoint.delete(`${deployments(api.id)}/${d.id}`)).status).toBe(204);
    expect((await anypoint.get(deployments(api.id))).body).toEqual([]);
  });
});
