/**
 * `npm run demo`: the whole product on one machine, no account needed. Starts the embedded Temporal
 * dev server (or uses TEMPORAL_ADDRESS), the Okta and Anypoint sandboxes with the gateway, and the
 * worker; onboards examples/solar-system.tenant.yaml; stops at the manual group assignment and shows
 * the approve command; then (unless --interactive) does the Okta admin's assignment in the Okta
 * sandbox, approves, and prints the proof and a summary with the Web UI link.
 *
 * Sandbox state is kept in .data/sandbox (--state-dir), so a demo stopped during the pause resumes where it was,
 * and a second demo re-converges the onboarded tenant with zero writes. --fresh starts them empty.
 * --tls serves the Anypoint sandbox over HTTPS (its CA in the state folder) and the worker calls it there.
 * --openam (or --tenant examples/solar-system-openam.tenant.yaml) onboards the second kind of identity
 * provider instead: an RFC 7591 provider, the OpenAM emulator, started beside the others; the pause is then a
 * person's confirmation of the clients Anypoint registered there.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { FastifyBaseLogger } from 'fastify';
import type { Client } from '@temporalio/client';
import { AnypointClient } from './clients/anypoint';
import { OktaClient } from './clients/okta';
import { approve, progress, startOnboarding, workflowIdFor, CliError } from './cli/operations';
import { runTotals } from './cli/plan-view';
import { renderProgress, renderRunTotals } from './cli/render';
import { loadTenantFile, TenantConfigError, formatTenantConfigError, type TenantConfig } from './config/tenant';
import { ANYPOINT_TLS_HOSTNAMES, startAllSandboxes, DEFAULT_PORTS, type AllSandboxes } from './sandbox';
import { CA_CERT_FILE, CA_KEY_FILE, SandboxAdminClient, isConfigurationWrite, prepareSandboxTls, type SandboxTls } from './sandbox/core';
import { sandboxSecretEnv } from './sandbox/tenant';
import { connectClient, connectWorker } from './temporal/connection';
import { createDataConverter } from './temporal/data-converter';
import { startLocalTemporal } from './temporal/local';
import { installObservability } from './temporal/observability';
import { DATA_DIR, PROJECT_ROOT } from './temporal/paths';
import { ShutdownStack, stopOnSignals } from './temporal/shutdown';
import { taskQueueName } from './temporal/task-queue';
import { createOnboardingWorker } from './worker';
import type { OnboardingProgress } from './workflows/messages';
import { accessRequestQuery, scanAccessNowSignal, type AccessRequestProgress } from './workflows/access';
import { accessRequestIdFor, accessRetireIdFor, accessWatchIdFor } from './workflows/ids';
import { signInHint, startConsoleFromEnv } from './console/start';
import { CONSOLE_DEFAULT_PORT } from './console/config';
import { fixedTemporal } from './console/temporal-access';
import type { RunningConsole } from './console/server';

const EXAMPLE_TENANT = join(PROJECT_ROOT, 'examples', 'solar-system.tenant.yaml');
const OPENAM_EXAMPLE_TENANT = join(PROJECT_ROOT, 'examples', 'solar-system-openam.tenant.yaml');
const DEFAULT_SANDBOX_STATE_DIR = join(DATA_DIR, 'sandbox');
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface DemoOptions {
  interactive: boolean;
  keepRunning: boolean;
  fresh: boolean;
  tenant: string;
  stateDir: string;
  tls: boolean;
  openam: boolean;
}

const say = (message = '') => console.log(message);
const step = (message: string) => console.log(`\n▸ ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** --fresh: forgets the sandboxes' state but keeps the TLS CA, so a client that trusts it still does. */
function forgetSandboxState(stateDir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(stateDir);
  } catch {
    return;
  }
  for (const entry of entries) if (entry !== CA_CERT_FILE && entry !== CA_KEY_FILE) rmSync(join(stateDir, entry), { recursive: true, force: true });
}

/**
 * Node reads NODE_EXTRA_CA_CERTS once, at start, and the worker's HTTP clients trust only that store:
 * with --tls the demo runs again as a child that trusts the sandbox CA (replacing any other
 * NODE_EXTRA_CA_CERTS for that run), and answers with the child's exit code.
 */
function rerunTrusting(caFile: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
  // Ctrl-C reaches the child through the terminal; a SIGTERM sent to this process is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

async function main(opts: DemoOptions, stack: ShutdownStack, tls: SandboxTls | undefined): Promise<number> {
  // The worker's lifecycle chatter and the sandboxes' request lines would bury the story: warnings
  // and errors still show (LOG_LEVEL=info shows everything, LOG_FORMAT=json for a machine).
  const observability = installObservability({ name: 'demo', defaultLevel: 'warn' });
  stack.add('logs and traces', () => observability.shutdown());
  stopOnSignals(stack, (m) => say(`[demo] ${m}`));
  let tenant = loadTenant(opts.tenant);

  // An rfc7591 tenant needs the OpenAM emulator (a child process), so only then is it started.
  const withOpenAm = tenant.rfc7591 !== undefined;
  step(`Starting the sandboxes (Okta, ${withOpenAm ? 'OpenAM, ' : ''}Anypoint Platform, solar-system API, gateway)`);
  if (opts.fresh) forgetSandboxState(opts.stateDir);
  const sandboxes = await startSandboxes(opts.stateDir, tls, withOpenAm, observability.logger);
  stack.add('sandboxes', () => sandboxes.close());
  if (tls) {
    // The example tenant names the HTTP URL; over TLS the worker must call the HTTPS one.
    tenant = { ...tenant, anypoint: { ...tenant.anypoint, baseUrl: sandboxes.anypoint.url } };
    say(`  Anypoint over HTTPS (--tls): CA ${tls.caFile}; the tenant's anypoint.baseUrl is ${sandboxes.anypoint.url} for this run`);
  }
  // The example tenant reads its secrets from these variables; the worker below resolves them.
  Object.assign(process.env, sandboxSecretEnv(sandboxes));
  say(`  Okta ${sandboxes.okta.url}, Anypoint ${sandboxes.anypoint.url}, gateway ${sandboxes.gateway.url}${sandboxes.openam ? `, OpenAM ${sandboxes.openam.issuer}` : ''}`);
  const stateDir = relative(process.cwd(), opts.stateDir) || opts.stateDir;
  say(`  state in ${stateDir}${opts.fresh ? ' (started empty: --fresh)' : ''}`);
  // Where each credential is: the worker in this process reads them from its environment; a CLI in another terminal needs them only for `credentials`.
  say(`  credentials: the Okta API token (OKTA_API_TOKEN) in ${join(stateDir, 'okta.json')} (apiTokens[0].token), the Anypoint connected app (ANYPOINT_CLIENT_ID, ANYPOINT_CLIENT_SECRET) in ${join(stateDir, 'anypoint.json')} (connectedApps[0])${sandboxes.openam ? ', the OpenAM token and introspection secret printed by npm run sandbox' : ''};`);
  say('  this demo\'s worker has them in its environment. The CLI in another terminal needs them only for `credentials` (the exports: npm run sandbox -- --state-dir ' + stateDir + ' prints them, with the demo stopped)');

  step('Starting Temporal and the worker');
  const temporal = await startLocalTemporal();
  stack.add('Temporal', () => temporal.stop());
  say(temporal.startedServer ? `  embedded dev server on ${temporal.settings.address}, Web UI ${temporal.uiUrl}` : `  using ${temporal.settings.address} (TEMPORAL_ADDRESS); nothing started`);
  const dataConverter = createDataConverter();
  const workerConnection = await connectWorker(temporal.settings);
  stack.add('worker connection', () => workerConnection.close());
  const taskQueue = taskQueueName();
  const worker = await createOnboardingWorker({ connection: workerConnection, namespace: temporal.settings.namespace, taskQueue, dataConverter });
  const running = worker.run();
  stack.add('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const { client, close } = await connectClient(temporal.settings, dataConverter);
  stack.add('client', close);
  // Before the write counter's mark: the console's Okta app and people are not the onboarding's writes.
  const webConsole = await startDemoConsole(client, temporal.settings.address ?? '127.0.0.1:7233', sandboxes);
  if (webConsole) stack.add('web console', () => webConsole.close());

  const counter = writeCounter(sandboxes);
  await counter.mark();
  const tenantId = tenant.tenant.id;
  step(`Onboarding tenant "${tenantId}" from ${relative(process.cwd(), opts.tenant)}`);
  const started = await startOnboarding(client, taskQueue, tenant);
  say(started.existing ? `  a run was already open (${started.workflowId}); following it` : `  started ${started.workflowId} (run ${started.runId})`);

  const shown = new Map<string, string>();
  let p = await follow(client, tenantId, shown, (phase) => phase === 'awaiting-assignment');
  if (opts.interactive && p.phase !== 'awaiting-assignment' && !opts.fresh) {
    say('  No pause: the sandboxes still hold the previous demo\'s tenant, assignments included. To see the pause: npm run demo -- --interactive --fresh');
  }
  if (p.phase === 'awaiting-assignment' && !tenant.okta) {
    // An RFC 7591 provider has no groups: the pause is a person confirming the clients Anypoint registered there.
    step('Paused: a person must confirm the clients Anypoint registered at the OpenAM provider');
    for (const missing of p.missingAssignments) say(`  to confirm: ${missing}`);
    say(`  Anyone confirms with:\n    npm run cli -- approve ${tenantId} --by <your name> --note "client access reviewed"`);
    if (opts.interactive) {
      say('  Waiting for that approval (Ctrl-C stops the demo; the run waits durably and resumes with the next demo).');
    } else {
      const approval = await approve(client, tenantId, 'demo', 'client access reviewed by the demo');
      say(`  confirmed by ${approval.approver}; the run continues`);
    }
    p = await follow(client, tenantId, shown, () => false);
  } else if (p.phase === 'awaiting-assignment') {
    step('Paused: an Okta admin must assign the client Anypoint registered to its group');
    for (const missing of p.missingAssignments) say(`  missing: ${missing}`);
    if (opts.interactive) await assignmentStep(tenant, sandboxes, true, opts.stateDir);
    say(`  After assigning, anyone approves with:\n    npm run cli -- approve ${tenantId} --by <your name> --note "assigned in Okta"`);
    if (webConsole) say(`  or, signed in as an approver, in the web console: ${webConsole.url}/inbox`);
    if (opts.interactive) {
      say('  Waiting for that approval (Ctrl-C stops the demo; the run waits durably and resumes with the next demo).');
    } else {
      await assignmentStep(tenant, sandboxes, false, opts.stateDir);
      const approval = await approve(client, tenantId, 'demo', 'assigned in the Okta sandbox by the demo');
      say(`  approved by ${approval.approver}; Okta shows every assignment, so the run continues`);
    }
    p = await follow(client, tenantId, shown, () => false);
  }

  step(`Result: ${p.phase}`);
  // Steps were shown as they finished; a failed run also gets its error and what was rolled back.
  if (p.phase !== 'completed') say(indent(renderProgress(p)));
  const writes = await counter.since();
  summary(p, temporal.startedServer ? temporal.uiUrl : undefined, workflowIdFor(tenantId), writes, opts.keepRunning);
  if (p.phase === 'completed' && tenant.access) await consumerStory(client, tenant, sandboxes);
  if (opts.keepRunning) {
    say('\nEverything keeps running (--keep-running); try the CLI in another terminal, Ctrl-C to stop.');
    await running;
  }
  return p.phase === 'completed' ? 0 : 3;
}

/**
 * The web console on the Okta sandbox (its app, groups, an approver and a viewer made first). A
 * taken port (another demo?) leaves the demo without a console rather than failing it.
 */
async function startDemoConsole(client: Client, address: string, sandboxes: AllSandboxes): Promise<RunningConsole | undefined> {
  const env = { ...process.env, CONSOLE_OIDC_ISSUER: '', CONSOLE_SANDBOX_OKTA_URL: sandboxes.okta.url, OKTA_API_TOKEN: sandboxes.okta.apiToken };
  try {
    const running = await startConsoleFromEnv(fixedTemporal(client, address), env);
    say(`  web console ${running.url} (${signInHint(env)})`);
    return running;
  } catch (err) {
    say(`  web console not started: ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${process.env.CONSOLE_PORT ?? CONSOLE_DEFAULT_PORT} is taken (set CONSOLE_PORT)` : (err as Error).message}`);
    return undefined;
  }
}

/**
 * Life after onboarding, as the sandboxes let a consumer live it: "Request access" in Exchange on the
 * silver tier, the watcher noticing it, the assignment and the proof; then the consumer deletes the
 * application and its Okta client goes.
 */
async function consumerStory(client: Client, tenant: TenantConfig, sandboxes: AllSandboxes): Promise<void> {
  const tenantId = tenant.tenant.id;
  const tierName = Object.entries(tenant.access!.tiers).find(([, t]) => t.approval === 'auto')?.[0];
  if (!tierName) return;
  const { clientId, clientSecret } = sandboxes.anypoint.connectedApp;
  const anypoint = new AnypointClient({ baseUrl: sandboxes.anypoint.url, clientId, clientSecret });
  const consumers = new SandboxAdminClient(sandboxes.anypoint.url);
  const watcher = client.workflow.getHandle(accessWatchIdFor(tenantId));
  try {
    const { orgId } = sandboxes.anypoint;
    const envId = sandboxes.anypoint.environments.Sandbox;
    const api = await anypoint.findApiInstance(orgId, envId, { groupId: tenant.anypoint.api.asset.groupId ?? orgId, assetId: tenant.anypoint.api.asset.assetId, instanceLabel: tenant.anypoint.api.instanceLabel });
    if (!api) return;
    const apiId = String(api.id);
    step(`A consumer requests access in Exchange (tier ${tierName})`);
    // The API owner's SLA tiers, as API Manager holds them; made once.
    const tiers = await anypoint.listTiers(orgId, envId, apiId);
    for (const [name, t] of Object.entries(tenant.access!.tiers)) {
      if (name !== '*' && !tiers.some((x) => x.name === name)) await anypoint.createTier(orgId, envId, apiId, { name, autoApprove: t.approval === 'auto', limits: [{ maximumRequests: 100, timePeriodInMilliseconds: 60_000, visible: true }] });
    }
    const name = `Moon tracker ${new Date().toISOString().slice(11, 19)}`;
    const made = await consumers.post<{ application: { id: number; clientId: string }; contract: { id: number; status: string } }>('/consumers/request-access', { apiId, applicationName: name, tier: tierName });
    const contractId = String(made.contract.id);
    say(`  "${name}": application ${made.application.id}, Okta client ${made.application.clientId}, contract ${contractId} (${made.contract.status})`);
    say(`  (the sandbox call: POST ${sandboxes.anypoint.url}/__sandbox/consumers/request-access, or npm run sandbox -- request-access --api ${apiId} --name … --tier ${tierName})`);
    // The watcher looks every access.watchEvery; the demo does not wait for it.
    const nudge = () => watcher.signal(scanAccessNowSignal).catch((err: Error) => say(`  (could not nudge the watcher: ${err.message}; it looks every ${tenant.access!.watchEvery})`));
    await nudge();
    const request = await settle(client, accessRequestIdFor(tenantId, { contractId, clientId: made.application.clientId }));
    say(`  the project noticed it: ${request.state}; Okta groups ${request.groups.join(', ')}`);
    if (request.proof) say(`  proven: ${request.proof.proven.join('; ')}${request.proof.unproven.length ? `; not proven: ${request.proof.unproven.join('; ')}` : ''}`);
    if (request.reason) say(`  ${request.reason}`);

    step('The consumer deletes the application in Exchange');
    await consumers.delete(`/consumers/applications/${made.application.id}`);
    await nudge();
    const retired = await settle(client, accessRetireIdFor(tenantId, { contractId, clientId: made.application.clientId }));
    say(`  ${retired.state === 'retired' ? `its Okta client ${made.application.clientId} was deleted (Anypoint cannot do that itself)` : `${retired.state}: ${retired.reason ?? ''}`}`);
    say(`  every decision is in the audit: npm run cli -- audit ${tenantId}; requests: npm run cli -- requests ${tenantId}`);
  } finally {
    await anypoint.close();
  }
}

/** Follows an access request (or retirement) to its end. */
async function settle(client: Client, workflowId: string): Promise<AccessRequestProgress> {
  // Generous: on a loaded 2-core CI machine a retirement (Anypoint reads, the Okta client's removal) took over a minute.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const p = await client.workflow.getHandle(workflowId).query(accessRequestQuery).catch(() => undefined);
    if (p && !['checking', 'assigning', 'proving'].includes(p.state)) return p;
    if (Date.now() > deadline) throw new CliError(`${workflowId} did not settle within 3 minutes; see npm run cli -- requests <tenant>`, 3, 'ACCESS_TIMEOUT');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function loadTenant(file: string): TenantConfig {
  try {
    return loadTenantFile(file);
  } catch (err) {
    if (err instanceof TenantConfigError) throw new CliError(formatTenantConfigError(err), 2, err.code);
    throw err;
  }
}

async function startSandboxes(stateDir: string, anypointTls: SandboxTls | undefined, openam: boolean, logger: FastifyBaseLogger): Promise<AllSandboxes> {
  try {
    return await startAllSandboxes({ stateDir, anypointTls, openam, logger });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      throw new CliError(`A sandbox port is taken (${e.message}). The demo uses ${Object.values(DEFAULT_PORTS).join(', ')}, as the example tenant does: stop what uses it (another demo or npm run sandbox?).`, 3, 'PORT_IN_USE');
    }
    throw err;
  }
}

/** Prints each step as it finishes (`shown` remembers what was printed) until the run ends or `stopAt` says to stop. */
async function follow(client: Client, tenantId: string, shown: Map<string, string>, stopAt: (phase: string) => boolean): Promise<OnboardingProgress> {
  for (;;) {
    const p = await progress(client, tenantId);
    for (const s of p.steps) {
      const line = `${s.state}${s.outcome ?? ''}${s.error ?? ''}`;
      if (shown.get(s.key) === line || s.state === 'pending' || s.state === 'running') continue;
      shown.set(s.key, line);
      const mark = s.state === 'done' ? '✓' : s.state === 'compensated' ? '↺' : '✗';
      // Outcomes belong to resources (keys like okta.scope:silver); checks and the approval have none worth printing.
      // A rolled-back step no longer is what its outcome said.
      const outcome = s.state === 'compensated' ? ' — rolled back' : s.outcome && s.key.includes('.') ? ` — ${s.outcome}` : '';
      say(`  ${mark} ${s.title}${outcome}${s.error ? ` — ${s.error}` : ''}`);
    }
    if (TERMINAL.has(p.phase) || stopAt(p.phase)) return p;
    await sleep(250);
  }
}

interface PendingAssignment {
  application: string;
  clientId: string;
  group: string;
  groupId: string;
}

/** The assignments the guides leave to an Okta admin: each client Anypoint registered, to its groups. */
async function pendingAssignments(tenant: TenantConfig, sandboxes: AllSandboxes, okta: OktaClient): Promise<PendingAssignment[]> {
  const anypoint = new AnypointClient({ baseUrl: sandboxes.anypoint.url, ...sandboxes.anypoint.connectedApp });
  const pending: PendingAssignment[] = [];
  try {
    for (const app of tenant.anypoint.clientApplications) {
      const registered = await anypoint.findClientApplicationByName(sandboxes.anypoint.orgId, app.name);
      if (!registered?.clientId) continue;
      for (const group of app.groups) {
        const found = group === 'EVERYONE' ? await okta.findGroupByName('Everyone', 'BUILT_IN') : await okta.findGroupByName(group);
        if (found?.id) pending.push({ application: app.name, clientId: String(registered.clientId), group, groupId: found.id });
      }
    }
  } finally {
    await anypoint.close();
  }
  return pending;
}

/** Non-interactive: the demo does the Okta admin's step itself. Interactive: it says how to do it by hand. */
async function assignmentStep(tenant: TenantConfig, sandboxes: AllSandboxes, interactive: boolean, stateDir: string): Promise<void> {
  const okta = new OktaClient({ orgUrl: sandboxes.okta.url, apiToken: sandboxes.okta.apiToken });
  try {
    const pending = await pendingAssignments(tenant, sandboxes, okta);
    if (interactive) {
      // The Okta sandbox has no admin console: the API call an admin's click makes, with the token read from its state file.
      say('  To assign as the Okta admin, in another terminal:');
      say(`    export OKTA_API_TOKEN=$(node -p "require('${join(stateDir, 'okta.json')}').apiTokens[0].token")`);
      for (const a of pending) {
        say(`    curl -X PUT -H "Authorization: SSWS $OKTA_API_TOKEN" -H 'Content-Type: application/json' -d '{}' ${sandboxes.okta.url}/api/v1/apps/${a.clientId}/groups/${a.groupId}`);
      }
      return;
    }
    for (const a of pending) {
      await okta.assignGroupToApp(a.clientId, a.groupId);
      say(`  as the Okta admin: assigned client ${a.clientId} ("${a.application}") to group ${a.group}`);
    }
  } finally {
    await okta.close();
  }
}

/** At the OpenAM provider: token requests and introspection are traffic, and a refused request changed nothing (the preflight's probe). */
const changedProvider = (e: { method: string; url: string; status: number }) => isConfigurationWrite(e) && !/\/(access_token|introspect)(\?|$)/.test(e.url) && e.status < 400;

/** Counts configuration writes the sandboxes received (from their request logs). */
function writeCounter(sandboxes: AllSandboxes) {
  const admins = { okta: new SandboxAdminClient(sandboxes.okta.url), anypoint: new SandboxAdminClient(sandboxes.anypoint.url) };
  const openam = sandboxes.openam ? new SandboxAdminClient(sandboxes.openam.url) : undefined;
  const marks = { okta: 0, anypoint: 0, openam: 0 };
  const writesSince = async (name: keyof typeof admins) =>
    (await admins[name].requests(marks[name])).entries.filter(isConfigurationWrite).length;
  return {
    async mark() {
      marks.okta = (await admins.okta.requests()).total;
      marks.anypoint = (await admins.anypoint.requests()).total;
      if (openam) marks.openam = (await openam.requests()).total;
    },
    since: async () => ({
      okta: await writesSince('okta'),
      anypoint: await writesSince('anypoint'),
      ...(openam ? { openam: (await openam.requests(marks.openam)).entries.filter(changedProvider).length } : {}),
    }),
  };
}

function summary(p: OnboardingProgress, uiUrl: string | undefined, workflowId: string, writes: { okta: number; anypoint: number; openam?: number }, keepRunning: boolean): void {
  const totals = runTotals(p);
  step('Summary');
  const toProvider = writes.openam === undefined ? '' : `, ${writes.openam} to OpenAM (Anypoint's registrations)`;
  if (p.phase === 'completed') say(`  ${renderRunTotals(p)}; ${writes.okta} writes to Okta, ${writes.anypoint} to Anypoint${toProvider}`);
  else {
    // After a rollback the count that matters is what is left: nothing the run created, unless an undo failed.
    const left = p.compensation?.failed.length ?? 0;
    say(`  ${p.phase}: ${p.error?.replace(/^cancelled: /, '') ?? ''}`);
    say(`  rolled back ${totals.rolledBack} step(s)${left ? `; ${left} could NOT be undone (listed above)` : '; nothing the run created is left, and what existed before was not touched'}`);
  }
  if (p.approval) say(`  approved by ${p.approval.approver} at ${p.approval.at}`);
  if (p.proof) {
    say(`  proof ${p.proof.passed ? 'passed' : 'FAILED'}: a client_credentials token with scopes [${p.proof.tokenScopes.join(' ')}], introspection ${p.proof.introspectionActive ? 'active' : 'inactive'}; through the gateway:`);
    for (const x of [p.proof.withoutToken, ...p.proof.probes]) {
      say(`    ${x.passed ? '✓' : '✗'} ${x.method} ${x.path} ${x === p.proof.withoutToken ? 'without a token' : 'with the token'} → ${x.actual} (expected ${x.expected})`);
    }
    for (const other of p.proof.otherClients ?? []) {
      say(`  and "${other.clientApplication}" with scopes [${other.tokenScopes.join(' ')}]: ${other.probes.map((x) => `${x.passed ? '✓' : '✗'} ${x.method} ${x.path} → ${x.actual}`).join(', ')}`);
    }
    for (const u of p.proof.users ?? []) {
      const flows = u.flows.map((f) => `${f.flow} ${f.error ? 'refused' : `token: ${f.probes.map((x) => `${x.passed ? '✓' : '✗'} ${x.path} (${x.tokenIn}) → ${x.actual}`).join(', ')}`}`);
      say(`  ${u.passed ? '✓' : '✗'} ${u.login} signs in through Okta${u.expectedRefused ? ' (must be refused)' : ''}: ${flows.join('; ')}`);
    }
  }
  if (p.ssoSignInUrl) say(`  Sign in to Anypoint through Okta at: ${p.ssoSignInUrl}`);
  if (uiUrl) say(`  Web UI: ${uiUrl}/namespaces/default/workflows/${workflowId}${keepRunning ? '' : '   (served by this demo: it stops when the demo exits; add --keep-running to keep it)'}`);
  say(`  Audit: npm run cli -- history ${p.tenantId}   (needs the server: npm run dev, or this demo with --keep-running)`);
  if (totals.create === 0 && p.phase === 'completed') say('  Nothing was created: this tenant was already onboarded (npm run demo -- --fresh starts from empty sandboxes).');
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

const program = new Command('demo')
  .description('Onboard the example tenant on the embedded Temporal server and the local sandboxes')
  .option('--interactive', 'wait at the pause for someone to assign in Okta and run the approve command', false)
  .option('--keep-running', 'keep Temporal, the sandboxes and the worker up after the run, for the CLI and the Web UI', false)
  .option('--fresh', 'start the sandboxes empty (forget the previous demo\'s Okta and Anypoint state)', false)
  .option('--tenant <file>', 'tenant file (it must point at the sandboxes)', EXAMPLE_TENANT)
  .option('--state-dir <dir>', 'where the sandboxes keep their state', DEFAULT_SANDBOX_STATE_DIR)
  .option('--tls', 'serve the Anypoint sandbox over HTTPS (CA in the state folder, trusted through NODE_EXTRA_CA_CERTS)', false)
  .option('--openam', `onboard the RFC 7591 example instead (${relative(PROJECT_ROOT, OPENAM_EXAMPLE_TENANT)}) on the OpenAM emulator`, false)
  .action(async (o: DemoOptions) => {
    const stack = new ShutdownStack();
    let code = 1;
    try {
      const stateDir = resolve(o.stateDir);
      const tls = o.tls ? await prepareSandboxTls({ dir: stateDir, extraHostnames: ANYPOINT_TLS_HOSTNAMES }) : undefined;
      if (tls && process.env.NODE_EXTRA_CA_CERTS !== tls.caFile) process.exit(await rerunTrusting(tls.caFile));
      const tenant = o.openam && o.tenant === EXAMPLE_TENANT ? OPENAM_EXAMPLE_TENANT : resolve(o.tenant);
      code = await main({ ...o, tenant, stateDir }, stack, tls);
    } catch (err) {
      if (!stack.isStopping) {
        const e = err as Error & { code?: string };
        console.error(`\ndemo failed${e instanceof CliError ? ` [${e.code}]` : ''}: ${e.message}`);
        code = e instanceof CliError ? e.exitCode : 1;
      }
    } finally {
      await stack.stopAll((m) => say(`[demo] ${m}`));
    }
    process.exit(code);
  });

void program.parseAsync(process.argv);
