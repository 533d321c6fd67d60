import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ApplicationFailure } from '@temporalio/common';
import { oktaTenant, parseTenantConfig } from '../../src/config/tenant';
import { checkOktaAccess } from '../../src/activities';
import { startOktaSandbox } from '../../src/sandbox/okta';

const EXAMPLE = resolve(__dirname, '../../examples/solar-system.tenant.yaml');

describe('Okta preflight against the Okta sandbox', () => {
  let okta: Awaited<ReturnType<typeof startOktaSandbox>>;
  beforeAll(async () => {
    okta = await startOktaSandbox({ port: 0 });
    process.env.PREFLIGHT_OKTA_TOKEN = okta.apiToken;
  });
  afterAll(() => okta?.close());

  const tenant = (adopt: string) => {
    const doc = parse(readFileSync(EXAMPLE, 'utf8'));
    doc.okta.orgUrl = okta.url;
    doc.okta.apiToken = { env: 'PREFLIGHT_OKTA_TOKEN' };
    doc.okta.authorizationServer = { adopt };
    return oktaTenant(parseTenantConfig(doc, EXAMPLE, resolve(__dirname, '../../examples')));
  };

  it('passes when the adopted authorization server exists', async () => {
    await expect(checkOktaAccess(tenant('default'))).resolves.toBeUndefined();
  });

  it('fails at once, without retries, when the adopted server does not exist', async () => {
    const err = await checkOktaAccess(tenant('ausDoesNotExist')).catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'config', nonRetryable: true });
    expect(err.message).toMatch(/"ausDoesNotExist" does not exist \(neither as an id nor as an exact name\)\. Fix: set okta.authorizationServer.adopt/);
  });
});
