import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as activities from '../../src/activities';
import { OktaClient } from '../../src/clients/okta';
import { startOnboarding } from '../../src/cli/operations';
import { DEMO_APPROVER, DEMO_VIEWER, ensureConsoleSignIn } from '../../src/console/okta-sign-in-setup';
import { createDataConverter } from '../../src/temporal/data-converter';
import { scanAccessNowSignal, type AccessRequestProgress } from '../../src/workflows/access';
import { accessRequestIdFor, accessWatchIdFor, onboardingWorkflowIdFor } from '../../src/workflows/ids';
import { progressQuery } from '../../src/workflows/messages';
import type { OnboardingResult } from '../../src/workflows/onboarding';
import type { TenantRecordState } from '../../src/workflows/tenant-record';
import { AnypointConsumer } from '../support/consumer';
import { OnboardingStack } from '../support/onboarding-stack';
import { getWorkflowBundle, startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { CuttableRelay, freePort, startConsoleProcess, type ConsoleProcess } from './support/console-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../test-artifacts/console');

/*
 * The console in a real browser (Debian's Chromium driven by playwright-core), signed in through the
 * Okta sandbox's hosted sign-in page, against a real Temporal server, worker and the sandboxes.
 */
describe('web console', () => {
  let env: TestWorkflowEnvironment;
  let stack: OnboardingStack;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let consoleProcess: ConsoleProcess;
  let browser: Browser;
  let oidc: Awaited<ReturnType<typeof ensureConsoleSignIn>>;
  const taskQueue = uniqueTaskQueue('console');
  const codecKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await startTestTemporal();
    stack = await OnboardingStack.start(env);
    const dataConverter = createDataConverter({ ...process.env, ONBOARDING_CODEC_KEY: codecKey, ONBOARDING_CODEC_KEY_FILE: '' });
    client = new Client({ connection: env.connection, dataConverter });
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: getWorkflowBundle('onboarding'), activities, dataConverter });
    running = worker.run();
    const port = await freePort();
    consoleProcess = await startConsoleOn(port, process.env[TEST_ADDRESS_VAR]!);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    worker?.shutdown();
    await running;
    await stack?.close();
    await env?.teardown();
  });

  /** The console as `npm run console` runs, its Okta app knowing its redirect URI. */
  async function startConsoleOn(port: number, temporalAddress: string, oktaCheckSeconds = 1): Promise<ConsoleProcess> {
    oidc = await ensureConsoleSignIn({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken, redirectUri: `http://127.0.0.1:${port}/callback`, people: [DEMO_APPROVER, DEMO_VIEWER] });
    return startConsoleProcess({
      TEMPORAL_ADDRESS: temporalAddress,
      ONBOARDING_CODEC_KEY: codecKey,
      ONBOARDING_TASK_QUEUE: taskQueue,
      CONSOLE_PORT: String(port),
      CONSOLE_OIDC_ISSUER: oidc.issuer,
      CONSOLE_OIDC_CLIENT_ID: oidc.clientId,
      CONSOLE_OIDC_CLIENT_SECRET: oidc.clientSecret,
      CONSOLE_OKTA_CHECK_SECONDS: String(oktaCheckSeconds), // 1 by default: the tests assign, then wait for the page to show it
    });
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** Starts the tenant's onboarding as the CLI does and returns once it waits for the assignment. */
  async function onboardUntilWaiting(prefix: string) {
    const tenant = stack.tenant((c) => ({ ...c, tenant: { ...c.tenant, id: uniqueId(prefix).toLowerCase().replace(/[^a-z0-9-]/g, '-') } }));
    const workflowId = onboardingWorkflowIdFor(tenant.tenant.id);
    await startOnboarding(client, taskQueue, tenant);
    const handle = client.workflow.getHandle(workflowId);
    for (let p = await handle.query(progressQuery); p.phase !== 'awaiting-assignment'; p = await handle.query(progressQuery)) {
      if (['completed', 'failed', 'cancelled'].includes(p.phase)) throw new Error(`the run ended ${p.phase}: ${p.error}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every assignment the run lists, as `<application> (<client id>) → <group>`.
    const assignments = (await handle.query(progressQuery)).missingAssignments.map((line) => {
      const [, clientId, group] = /\((\w+)\) → (.+)$/.exec(line)!;
      return { clientId, group };
    });
    return { tenant, tenantId: tenant.tenant.id, workflowId, handle, assignments };
  }

  /** The Okta admin's manual step, in the sandbox: each assignment the run waits for. */
  async function assignInOkta(assignments: { clientId: string; group: string }[]): Promise<void> {
    const okta = new OktaClient({ orgUrl: stack.sandboxes.okta.url, apiToken: stack.sandboxes.okta.apiToken });
    for (const { clientId, group } of assignments) await okta.assignGroupToApp(clientId, (await okta.findGroupByName(group))!.id);
    await okta.close();
  }

  /** Opens the console, is sent to Okta's sign-in page, signs in there, and lands back on `path`. */
  async function signIn(person: { login: string; password: string }, path = '/inbox', on = consoleProcess): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${on.url}${path}`);
    await page.waitForURL((u) => u.pathname === '/login/login.htm');
    await page.fill('#okta-signin-username', person.login);
    await page.fill('#okta-signin-password', person.password);
    await page.click('#okta-signin-submit');
    await page.waitForURL((u) => u.origin === on.url && u.pathname === path);
    return { context, page };
  }

  it('refuses a non-approver, a forged post without the CSRF token and an ended session; nothing is approved; then an approver rejects the run, which rolls back', async () => {
    const { workflowId, handle, assignments } = await onboardUntilWaiting('console-ro');
    // Okta shows the assignment, so only the console's own refusals stand between the post and an approval.
    await assignInOkta(assignments);
    const key = `onboarding:${workflowId}`;

    const viewer = await signIn(DEMO_VIEWER);
    await expect(viewer.page.textContent('#role')).resolves.toMatch(/^read-only/);
    const item = viewer.page.locator(`article[data-key="${key}"]`);
    await item.waitFor();
    expect(await item.locator('button').count()).toBe(0);
    await expect(item.textContent()).resolves.toContain('Read-only: only members of the Okta group onboarding-approvers may approve');
    await shot(viewer.page, '6-viewer-read-only');
    // The viewer's own session and token, posted by hand: refused for who they are.
    const viewerCsrf = await viewer.page.locator('header input[name=csrf]').inputValue();
    const asViewer = await viewer.page.request.post(`${consoleProcess.url}/decide`, { form: { csrf: viewerCsrf, key, decision: 'approve' } });
    expect(asViewer.status()).toBe(403);
    expect(await asViewer.text()).toContain('is not in the Okta group onboarding-approvers');

    const approver = await signIn(DEMO_APPROVER);
    // A forged post: the approver's cookie goes with it (same site), but not the page's CSRF token.
    const forged = await approver.page.request.post(`${consoleProcess.url}/decide`, { form: { key, decision: 'approve' } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('CSRF token is missing or wrong');
    const wrongToken = await approver.page.request.post(`${consoleProcess.url}/decide`, { form: { key, decision: 'approve', csrf: 'x'.repeat(43) } });
    expect(wrongToken.status()).toBe(403);

    // An ended session (expired, signed out or the console restarted): told to sign in again.
    const csrf = await approver.page.locator(`article[data-key="${key}"] input[name=csrf]`).inputValue();
    await approver.context.addCookies([{ name: 'console_session', value: 'ended-session-id', url: consoleProcess.url }]);
    await approver.page.locator(`article[data-key="${key}"] button.approve`).click();
    await approver.page.waitForSelector('#message');
    expect(await approver.page.textContent('#message')).toContain('Your session has ended');
    await shot(approver.page, '7-session-ended');
    const stale = await approver.page.request.post(`${consoleProcess.url}/decide`, { form: { csrf, key, decision: 'approve' } });
    expect(stale.status()).toBe(401);

    const p = await handle.query(progressQuery);
    expect(p.phase).toBe('awaiting-assignment');
    expect(p.approval).toBeUndefined();
    await viewer.context.close();
    await approver.context.close();

    // Signed in again, the approver rejects the onboarding with a note: the run is cancelled and rolls
    // back (which also leaves the sandboxes as they were for the next test's onboarding).
    const rejecting = await signIn(DEMO_APPROVER);
    const waiting = rejecting.page.locator(`article[data-key="${key}"]`);
    await waiting.waitFor();
    await expect(waiting.locator('button.reject').textContent()).resolves.toBe('Reject: cancel and roll back');
    await waiting.locator('textarea').fill('wrong tenant file');
    await waiting.locator('button.reject').click();
    await rejecting.page.waitForSelector('#flash.ok');
    expect(await rejecting.page.textContent('#flash')).toContain(`Rejected by ${DEMO_APPROVER.login}: the onboarding of`);
    await shot(rejecting.page, '10-onboarding-rejected');
    await handle.result().catch(() => undefined);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const ended = await handle.query(progressQuery);
    expect(JSON.stringify(ended)).toContain('rejected in the console: wrong tenant file');
    await rejecting.context.close();
  });

  it("every open page shares one Okta check of a pause's assignments while CONSOLE_OKTA_CHECK_SECONDS lasts", async () => {
    const { handle, workflowId, assignments } = await onboardUntilWaiting('console-shared');
    // A console that keeps Okta's answer an hour: whatever the pages do, each assignment is asked once.
    const patient = await startConsoleOn(await freePort(), process.env[TEST_ADDRESS_VAR]!, 3600);
    let context: BrowserContext | undefined;
    try {
      const from = (await stack.okta.requests()).total;
      const signedIn = await signIn(DEMO_APPROVER, '/inbox', patient);
      context = signedIn.context;
      const pages = [signedIn.page, await context.newPage(), await context.newPage()];
      for (const page of pages.slice(1)) await page.goto(`${patient.url}/inbox`);
      for (const page of pages) await page.locator(`article[data-key="onboarding:${workflowId}"] [data-live="missing"]`).waitFor();
      // Three pages, each refreshed every 2 s by its event stream: several reads of the inbox each.
      await new Promise((r) => setTimeout(r, 5_000));
      const checks = (await stack.okta.requests(from)).entries.filter((e) => e.method === 'GET' && e.route === '/api/v1/apps/:appId/groups/:groupId');
      expect(checks).toHaveLength(assignments.length);
    } finally {
      await context?.close();
      await patient.stop();
      // Cancelled: the rollback leaves the sandboxes as they were for the next test's onboarding.
      await handle.signal('cancelOnboarding', { reason: 'test over', by: 'test' });
      await handle.result().catch(() => undefined);
    }
  });

  it('an approver signs in with Okta, is refused before the assignment, approves after it, and watches the run complete; the record names the signed-in identity; a consumer request is rejected from the inbox', async () => {
    // The refusals' run was cancelled and rolled back, so this tenant's run starts on clean sandboxes.
    const { tenant, tenantId, workflowId, handle, assignments } = await onboardUntilWaiting('console');

    const { context, page } = await signIn(DEMO_APPROVER);
    await expect(page.textContent('#signed-in-as')).resolves.toBe(DEMO_APPROVER.login);
    await expect(page.textContent('#role')).resolves.toBe('approver');
    const item = page.locator(`article[data-key="onboarding:${workflowId}"]`);
    await item.waitFor();
    await expect(item.locator('[data-live]').getAttribute('data-live')).resolves.toBe('missing');
    await expect(item.textContent()).resolves.toContain('silverSubscribers');
    await shot(page, '1-inbox-waiting');

    // Approve before the assignment: the workflow refuses and says what is missing.
    await item.locator('button.approve').click();
    await page.waitForSelector('#flash');
    const refused = (await page.textContent('#flash'))!;
    expect(refused).toMatch(/Not approved: Okta does not show these group assignments yet: .*Solar System Silver \(\w+\) → silverSubscribers/);
    await shot(page, '2-approve-refused');
    expect((await handle.query(progressQuery)).phase).toBe('awaiting-assignment');

    // The Okta admin's assignment, in the sandbox; the open page notices it by itself (no reload).
    await assignInOkta(assignments);
    await page.locator(`article[data-key="onboarding:${workflowId}"] [data-live="shown"]`).waitFor({ timeout: 30_000 });
    await shot(page, '3-inbox-assignment-shown');

    const form = page.locator(`article[data-key="onboarding:${workflowId}"] form.decide`);
    const csrf = await form.locator('input[name=csrf]').inputValue();
    await form.locator('textarea').fill('assigned silverSubscribers in Okta');
    // A double click sends one approval: the page drops the second submit.
    await form.locator('button.approve').dblclick();
    await page.waitForSelector('#flash.ok');
    expect(await page.textContent('#flash')).toContain(`Approved by ${DEMO_APPROVER.login}`);
    await shot(page, '4-approved');

    // The same form posted again (a stale page, or a second click that got through) approves nothing.
    const again = await page.request.post(`${consoleProcess.url}/decide`, { form: { csrf, key: `onboarding:${workflowId}`, decision: 'approve', note: 'again' }, maxRedirects: 0 });
    expect(again.status()).toBe(303);
    const after = await page.goto(`${consoleProcess.url}/inbox`);
    expect(after!.status()).toBe(200);
    expect(await page.textContent('#flash')).toMatch(/Not approved: (Already approved by approver@example\.com|The onboarding of .* is not waiting|This run is not waiting)/);

    // The tenant page follows the run to its end without a reload.
    await page.goto(`${consoleProcess.url}/tenants/${tenantId}`);
    const result = (await handle.result()) as OnboardingResult;
    expect(result.progress.phase).toBe('completed');
    await page.locator('details.run .run-status', { hasText: 'completed' }).first().waitFor({ timeout: 30_000 });
    await page.locator('#approvals', { hasText: DEMO_APPROVER.login }).waitFor({ timeout: 30_000 });
    await shot(page, '5-tenant-completed');

    // The approver in the workflow is the ID token's identity, and it is in the audit export.
    const user = await (await fetch(`${stack.sandboxes.okta.url}/api/v1/users/${encodeURIComponent(DEMO_APPROVER.login)}`, { headers: { authorization: `SSWS ${stack.sandboxes.okta.apiToken}` } })).json() as { id: string };
    expect(result.progress.approval).toEqual({ approver: DEMO_APPROVER.login, identity: { issuer: `${stack.sandboxes.okta.url}/oauth2/default`, subject: user.id, email: DEMO_APPROVER.login, name: 'Annie Approver' }, note: 'assigned silverSubscribers in Okta', at: expect.any(String) });
    const audit = await page.request.get(`${consoleProcess.url}/tenants/${tenantId}/audit.json`);
    const record = (await audit.json()) as TenantRecordState;
    const runs = record.events.filter((e) => e.type === 'run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ run: { approval: { approver: DEMO_APPROVER.login, identity: { subject: user.id } } } });
    const markdown = await (await page.request.get(`${consoleProcess.url}/tenants/${tenantId}/audit.md`)).text();
    expect(markdown).toContain(`Approved by **${DEMO_APPROVER.login}** (signed in: subject \`${user.id}\` of ${stack.sandboxes.okta.url}/oauth2/default)`);

    // A consumer asks for the manual gold tier: the request waits in the inbox, and the approver rejects it with a note.
    const consumer = new AnypointConsumer(stack.sandboxes);
    const apiId = await consumer.apiId(tenant.anypoint.api.instanceLabel);
    const request = await consumer.requestAccess(apiId, 'Moon tracker', await consumer.createTier(apiId, 'gold', false));
    await client.workflow.getHandle(accessWatchIdFor(tenantId)).signal(scanAccessNowSignal);
    const requestId = accessRequestIdFor(tenantId, request);
    await page.goto(`${consoleProcess.url}/inbox`);
    const access = page.locator(`article[data-key="access:${requestId}"]`);
    await access.waitFor({ timeout: 60_000 });
    await expect(access.textContent()).resolves.toContain('goldSubscribers');
    await expect(access.locator('[data-live]').getAttribute('data-live')).resolves.toBe('missing');
    await access.locator('textarea').fill('not this quarter');
    await access.locator('button.reject').click();
    await page.waitForSelector('#flash.ok');
    expect(await page.textContent('#flash')).toContain(`Rejected by ${DEMO_APPROVER.login}`);
    await shot(page, '9-access-request-rejected');
    const decided = (await client.workflow.getHandle(requestId).result()) as AccessRequestProgress;
    expect(decided).toMatchObject({ state: 'rejected', decision: { decision: 'reject', by: DEMO_APPROVER.login, note: 'not this quarter', identity: { subject: user.id } } });
    await context.close();
  });

  it('every page needs a signed-in user, and no secret is rendered', async () => {
    const res = await fetch(`${consoleProcess.url}/inbox`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?returnTo=%2Finbox');
    const { context, page } = await signIn(DEMO_APPROVER, '/tenants');
    const pages = [await page.content()];
    await page.goto(`${consoleProcess.url}/inbox`);
    pages.push(await page.content());
    const cookies = await context.cookies(consoleProcess.url);
    expect(cookies.find((c) => c.name === 'console_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const secrets = [stack.sandboxes.okta.apiToken, stack.sandboxes.anypoint.connectedApp.clientSecret, oidc.clientSecret];
    for (const html of pages) {
      for (const secret of secrets) expect(html).not.toContain(secret);
      expect(html).not.toMatch(/eyJ[\w-]+\.eyJ/);
    }
    await context.close();
  });

  it('says so when Temporal is unreachable, and recovers by itself when it is back', async () => {
    const relay = await CuttableRelay.start(process.env[TEST_ADDRESS_VAR]!);
    const cut = await startConsoleOn(await freePort(), relay.address);
    let context: BrowserContext | undefined;
    try {
      const signedIn = await signIn(DEMO_APPROVER, '/tenants', cut);
      context = signedIn.context;
      const { page } = signedIn;
      await page.locator('h1', { hasText: 'Tenants' }).waitFor();

      await relay.cut();
      // The open page learns it over its event stream; a page loaded now says it at once.
      await page.locator('#connection.error', { hasText: `Temporal (${relay.address}) is unreachable` }).waitFor({ timeout: 60_000 });
      await shot(page, '8-temporal-unreachable');
      const other = await context.newPage();
      const down = await other.goto(`${cut.url}/inbox`);
      expect(down!.status()).toBe(503);
      expect(await other.textContent('#message')).toContain('is unreachable');
      // An approval cannot go anywhere: said so, nothing claimed.
      const csrf = await other.locator('header input[name=csrf]').inputValue();
      await other.request.post(`${cut.url}/decide`, { form: { csrf, key: 'onboarding:onboarding-nobody', decision: 'approve' }, maxRedirects: 0 });
      await other.goto(`${cut.url}/tenants`);
      expect(await other.textContent('#flash')).toContain('is unreachable');

      await relay.restore();
      await page.locator('#connection:not(.error)').waitFor({ state: 'attached', timeout: 90_000 });
      await page.locator('h1', { hasText: 'Tenants' }).waitFor();
      expect((await page.goto(`${cut.url}/inbox`))!.status()).toBe(200);
    } finally {
      await context?.close();
      await cut.stop();
      await relay.cut();
    }
  });
});
