#!/usr/bin/env node
/**
 * The onboarding CLI: start (or plan) a tenant's onboarding, approve the Okta group assignment,
 * follow progress, audit every run, cancel, list. `--json` everywhere; errors in one line.
 * Exit codes: 0 ok, 1 unexpected, 2 bad input, 3 refused or failed, 4 not found.
 */
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { TenantConfig } from './config/tenant';
import { TemporalConnectionError, connectClient, loadTemporalSettings } from './temporal/connection';
import { createDataConverter } from './temporal/data-converter';
import { taskQueueName } from './temporal/task-queue';
import { CliError, NO_WORKER_HINT, approve, cancel, cancelledProgress, history, list, planDryRun, progress, similarTenantId, startOnboarding, workerIsPolling } from './cli/operations';
import { planView, renderPlan, terminalStyle, totalsLine, type PlanView } from './cli/plan-view';
import { renderAccessRequests, renderAuditMarkdown, renderDrift, renderOffboarding, renderOrphans, renderProgress, renderRemovals, renderRotation } from './cli/render';
import { CATALOGUE, KIND_ORDER } from './workflows/catalogue';
import { decideAccessRequest, listAccessRequests, orphans } from './cli/access';
import { abandonOffboarding, checkDriftNow, confirmOffboarding, lastDriftReport, offboardingDryRun, requireRecord, rotate, scheduleDrift, startOffboarding } from './cli/lifecycle';
// The credentials command loads the Okta SDK and the Anypoint client itself (lazily: they are the slowest part of start-up).
import type { Credential } from './cli/credentials';
import { renderDoctor, runDoctor } from './cli/doctor';
import { durationMs } from './config/duration';
import { describeError } from './workflows/saga';
import { SecretReferenceError } from './config/secrets';

const TERMINAL_PHASES = new Set(['completed', 'failed', 'cancelled']);

interface Output {
  json: boolean;
}

/** `--json`, or `-o json` / `--output json` as Temporal's CLI spells it; on the verb or before it. */
interface OutputFlags {
  json?: boolean;
  output?: 'text' | 'json';
}

function print(opts: Output, value: unknown, text: () => string): void {
  process.stdout.write((opts.json ? JSON.stringify(value, null, 2) : text()) + '\n');
}

/** Whether the command line asks for JSON, read before commander parses it (so its own errors can be JSON too). */
export function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--json' || a === '--output=json' || a === '-ojson' || ((a === '-o' || a === '--output') && argv[i + 1] === 'json'));
}

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const settings = await loadTemporalSettings();
  const { client, close } = await connectClient(settings, await createDataConverter());
  try {
    return await fn(client);
  } catch (err) {
    // A tenant id that was not found: say which known one is close.
    if (err instanceof CliError && err.exitCode === 4 && typeof err.details?.tenantId === 'string') {
      const similar = await similarTenantId(client, err.details.tenantId);
      if (similar) throw new CliError(`${err.message} Did you mean ${similar}?`, 4, err.code, { ...err.details, didYouMean: similar });
    }
    throw err;
  } finally {
    await close();
  }
}

/** Reads and validates a tenant file; the schema loads only for the verbs that read one (start-up time). */
async function loadTenant(path: string): Promise<TenantConfig> {
  const { loadTenantFile, TenantConfigError, formatTenantConfigError } = await import('./config/tenant');
  try {
    return loadTenantFile(path);
  } catch (err) {
    if (err instanceof TenantConfigError) throw new CliError(formatTenantConfigError(err), 2, err.code, { file: err.file, issues: err.issues });
    throw err;
  }
}

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a whole number of at least 1 (got "${value}").`, 2, 'USAGE');
  return n;
};

/**
 * Asks on the terminal whether to apply the plan; only "yes" applies, as Terraform asks. Never
 * called without a terminal on both ends (a script gets no prompt, and starts).
 */
async function confirmOnTerminal(view: PlanView): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\nStart the onboarding of ${view.tenantId} with this plan (${totalsLine(view.totals)})?\n  Only 'yes' starts it: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

export function buildProgram(options: { json?: boolean } = {}): Command {
  const program = new Command('onboarding')
    .description('Provision Okta ⇄ MuleSoft Anypoint integrations per tenant, durably, on Temporal.')
    .addOption(new Option('--json', 'machine-readable output').default(false))
    .addOption(new Option('-o, --output <format>', 'output format (json is the same as --json)').choices(['text', 'json']))
    // Usage errors exit 2 (main), and under --json commander's own words give way to the JSON error.
    .exitOverride()
    .showHelpAfterError();
  // Set before the verbs are added: they inherit it.
  if (options.json) program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  const jsonOutput = (opts: OutputFlags): Output => {
    const global = program.opts<OutputFlags>();
    return { json: Boolean(opts.json || opts.output === 'json' || global.json || global.output === 'json') };
  };

  program
    .command('start')
    .argument('<tenant.yaml>', 'tenant file')
    .option('--dry-run', 'print the plan (what would be created, updated or left, attributes old → new) and change nothing')
    .option('-y, --yes', 'start without asking (on a terminal, start shows the plan and asks first)')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Start (or re-converge) the onboarding of a tenant')
    .action(async (file: string, opts: { dryRun?: boolean; yes?: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const tenant = await loadTenant(file);
      // Asked only when a person is at a terminal on both ends; a script (or --json, or --yes) is never asked.
      const ask = !opts.dryRun && !opts.yes && !out.json && Boolean(process.stdin.isTTY && process.stdout.isTTY);
      await withClient(async (client) => {
        const polling = await workerIsPolling(client, taskQueueName());
        if (opts.dryRun || ask) {
          // The plan is computed by the worker (it holds the credentials): without one it would never come.
          if (!polling) throw new CliError(`Cannot plan: ${NO_WORKER_HINT(taskQueueName())}${ask ? ' (or add --yes to start without the plan; the run then waits for a worker)' : ''}`, 3, 'NO_WORKER');
          const view = planView(tenant, await planDryRun(client, taskQueueName(), tenant));
          print(out, view, () => renderPlan(view, terminalStyle()));
          if (view.totals.conflict > 0) throw new CliError(`The plan has ${view.totals.conflict} conflict(s): the run would refuse before any write. Fix the tenant file as each line says.`, 3, 'PLAN_CONFLICT');
          if (opts.dryRun) return;
          if (!(await confirmOnTerminal(view))) {
            process.stdout.write('Not started: nothing was changed.\n');
            process.exitCode = 3;
            return;
          }
        }
        const started = await startOnboarding(client, taskQueueName(), tenant);
        // The run is durable and waits for a worker; say so rather than let `status` look stuck.
        if (!polling) process.stderr.write(`warning: ${NO_WORKER_HINT(taskQueueName())}\n`);
        print(out, started, () =>
          started.existing
            ? `Onboarding of ${tenant.tenant.id} is already running (${started.workflowId}, run ${started.runId}); follow it with: npm run cli -- status ${tenant.tenant.id} --watch`
            : `Started onboarding of ${tenant.tenant.id} (${started.workflowId}, run ${started.runId}). Follow it with: npm run cli -- status ${tenant.tenant.id} --watch`,
        );
      });
    });

  program
    .command('approve')
    .argument('<tenant>', 'tenant id')
    .requiredOption('--by <name>', 'who confirms the Okta group assignment (or, for an rfc7591 tenant, the registered clients)')
    .option('--note <text>', 'a note kept in the run history')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Confirm the manual Okta group assignment, refused until Okta shows it; for an rfc7591 tenant, confirm the clients registered at the provider')
    .action(async (tenantId: string, opts: { by: string; note?: string; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const approval = await withClient((client) => approve(client, tenantId, opts.by, opts.note));
      print(out, approval, () => `Approved by ${approval.approver}; the onboarding of ${tenantId} continues.`);
    });

  program
    .command('status')
    .argument('<tenant>', 'tenant id')
    .option('--watch', 'follow live progress until the run finishes or waits for approval')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Show every step with its state, timestamps and resource ids')
    .action(async (tenantId: string, opts: { watch?: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      await withClient(async (client) => {
        let last = '';
        for (;;) {
          const p = await progress(client, tenantId);
          const text = renderProgress(p);
          if (!opts.watch || text !== last) print(out, p, () => (opts.watch && process.stdout.isTTY ? '\x1Bc' : '') + text);
          last = text;
          if (!opts.watch || TERMINAL_PHASES.has(p.phase) || p.phase === 'awaiting-assignment') {
            if (p.phase === 'failed' || p.phase === 'cancelled') process.exitCode = 3;
            return;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
    });

  program
    .command('history')
    .argument('<tenant>', 'tenant id')
    .option('-n, --limit <count>', 'only the newest <count> runs', positiveInteger)
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Every run of a tenant: steps, approver, resources, errors')
    .action(async (tenantId: string, opts: { limit?: number; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const all = await withClient((client) => history(client, tenantId));
      const runs = opts.limit ? all.slice(0, opts.limit) : all;
      const more = all.length - runs.length;
      print(out, runs, () =>
        runs
          .map((r) => [`Run ${r.runId} — ${r.status.toLowerCase()} (started ${r.startTime}${r.closeTime ? `, closed ${r.closeTime}` : ''})`, r.progress ? renderProgress(r.progress) : '  (no progress recorded)'].join('\n'))
          .join('\n\n') + (more > 0 ? `\n\n(${more} older run(s) not shown; without --limit, every run)` : ''),
      );
    });

  program
    .command('validate')
    .argument('<tenant.yaml>', 'tenant file')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Check a tenant file offline (schema, cross-field rules, referenced files): no server, no credentials, no call')
    .action(async (file: string, opts: OutputFlags) => {
      const out = jsonOutput(opts);
      const tenant = await loadTenant(file);
      const resources = KIND_ORDER.map((kind) => ({ kind, count: (CATALOGUE[kind].select as (cfg: TenantConfig) => unknown[])(tenant).length })).filter((r) => r.count > 0);
      const total = resources.reduce((n, r) => n + r.count, 0);
      const summary = { valid: true, file, tenantId: tenant.tenant.id, identityProvider: tenant.okta ? 'okta' : 'rfc7591', assignment: tenant.assignment.mode, resources: total };
      print(out, summary, () => `${file} is a valid tenant file: tenant ${summary.tenantId}, identity provider ${summary.identityProvider}, ${total} resources to converge, ${summary.assignment} group assignment. Secrets are resolved by the worker; the plan (start --dry-run) checks them.`);
    });

  program
    .command('audit')
    .argument('<tenant>', 'tenant id')
    .addOption(new Option('--format <format>', 'json or markdown').choices(['json', 'markdown']).default('markdown'))
    .option('--json', 'the same as --format json')
    .description('Export the tenant record: what its runs created, who approved, every run (kept whatever the retention)')
    .action(async (tenantId: string, opts: { format: 'json' | 'markdown'; json?: boolean; output?: 'text' | 'json' }) => {
      const record = await withClient((client) => requireRecord(client, tenantId));
      process.stdout.write((opts.format === 'json' || jsonOutput(opts).json ? JSON.stringify(record, null, 2) : renderAuditMarkdown(record)) + '\n');
    });

  program
    .command('offboard')
    .argument('<tenant.yaml>', 'tenant file (its credentials are needed to remove what the tenant created)')
    .option('--dry-run', 'print what would be removed, from the tenant record, and start nothing')
    .option('--confirm', 'confirm the removal list of the offboarding that waits, and remove')
    .option('--abandon', 'give up the offboarding that waits; nothing is removed')
    .option('--by <name>', 'who confirms (required with --confirm)')
    .option('--reason <text>', 'why it is abandoned (with --abandon)')
    .option('--note <text>', 'a note kept in the tenant record')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Remove what the tenant\'s runs created (never adopted or pre-existing resources): a removal list first, then --confirm')
    .action(async (file: string, opts: { dryRun?: boolean; confirm?: boolean; abandon?: boolean; by?: string; reason?: string; note?: string; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      if (opts.confirm && !opts.by?.trim()) throw new CliError('--confirm needs --by <name>: say who confirms the offboarding.', 2, 'USAGE');
      if (opts.confirm && opts.abandon) throw new CliError('Use either --confirm or --abandon, not both.', 2, 'USAGE');
      const tenant = await loadTenant(file);
      const tenantId = tenant.tenant.id;
      await withClient(async (client) => {
        if (opts.dryRun) {
          const removals = await offboardingDryRun(client, tenantId);
          print(out, removals, () => renderRemovals(removals));
          return;
        }
        if (!(await workerIsPolling(client, taskQueueName()))) throw new CliError(`Cannot offboard: ${NO_WORKER_HINT(taskQueueName())}`, 3, 'NO_WORKER');
        let p = await startOffboarding(client, taskQueueName(), tenant);
        if (p.phase === 'awaiting-confirmation' && opts.confirm) p = await confirmOffboarding(client, tenantId, opts.by!, opts.note);
        else if (p.phase === 'awaiting-confirmation' && opts.abandon) p = await abandonOffboarding(client, tenantId, opts.reason ?? 'abandoned', opts.by);
        print(out, p, () => renderOffboarding(p));
        if (p.phase === 'failed') process.exitCode = 3;
      });
    });

  program
    .command('requests')
    .argument('<tenant>', 'tenant id')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Consumer access requests of a tenant (and clients of deleted applications): waiting first, with tier, groups, decision, proof')
    .action(async (tenantId: string, opts: { json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const requests = await withClient((client) => listAccessRequests(client, tenantId));
      print(out, requests, () => renderAccessRequests(tenantId, requests));
    });

  program
    .command('request')
    .argument('<tenant>', 'tenant id')
    .argument('<contractId>', 'the contract of the request (see: requests <tenant>)')
    .option('--approve', 'approve: Okta must show the client assigned to its tier\'s groups (or add --assign)')
    .option('--reject', 'reject: the Okta client is deleted and the contract rejected or revoked')
    .option('--assign', 'with --approve: make the Okta assignment instead of checking one made by hand')
    .option('--retirement', 'decide on the removal of a deleted application\'s client instead (approve removes it)')
    .requiredOption('--by <name>', 'who decides (kept in the tenant record)')
    .option('--note <text>', 'why (kept in the tenant record)')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Approve or reject a consumer access request that waits for a person')
    .action(async (tenantId: string, contractId: string, opts: { approve?: boolean; reject?: boolean; assign?: boolean; retirement?: boolean; by: string; note?: string; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      if (Boolean(opts.approve) === Boolean(opts.reject)) throw new CliError('Say --approve or --reject (one of them).', 2, 'USAGE');
      const decision = opts.approve ? 'approve' : 'reject';
      const done = await withClient((client) => decideAccessRequest(client, tenantId, contractId, decision, opts.by, { note: opts.note, assignForMe: opts.assign, retirement: opts.retirement }));
      print(out, done, () => `${decision === 'approve' ? 'Approved' : 'Rejected'} by ${done.by}: contract ${contractId} of ${tenantId}. Follow it with: npm run cli -- requests ${tenantId}`);
    });

  program
    .command('orphans')
    .argument('<tenant.yaml>', 'tenant file')
    .option('--delete', 'delete the orphans shown to come from this tenant\'s client provider (never the uncertain ones)')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Okta clients that no Exchange application references any more')
    .action(async (file: string, opts: { delete?: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const tenant = await loadTenant(file);
      const report = await withClient(async (client) => {
        if (!(await workerIsPolling(client, taskQueueName()))) throw new CliError(`Cannot sweep: ${NO_WORKER_HINT(taskQueueName())}`, 3, 'NO_WORKER');
        return orphans(client, taskQueueName(), tenant, Boolean(opts.delete));
      });
      print(out, report, () => renderOrphans(report));
    });

  program
    .command('rotate')
    .argument('<tenant.yaml>', 'tenant file (for --okta-token, its okta.apiToken already points at the new token)')
    .option('--okta-token', 'push the Okta API token the tenant file points at into the client provider, after checking it, and prove a registration')
    .option('--introspection-secret', 'give the introspection client a new secret with no downtime: add it, switch Anypoint, prove the gateway, retire the old one')
    .option('--by <name>', 'who rotates (kept in the tenant record)', process.env.USER ?? 'unknown')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Rotate a credential the client provider holds; recorded in the tenant record')
    .action(async (file: string, opts: { oktaToken?: boolean; introspectionSecret?: boolean; by: string; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      if (Boolean(opts.oktaToken) === Boolean(opts.introspectionSecret)) throw new CliError('Say what to rotate: --okta-token or --introspection-secret (one at a time).', 2, 'USAGE');
      if (!opts.by.trim()) throw new CliError('--by must name who rotates.', 2, 'USAGE');
      const tenant = await loadTenant(file);
      if (!tenant.okta) throw new CliError(`Tenant ${tenant.tenant.id} uses an RFC 7591 provider: rotate changes Okta credentials (the API token, the introspection client's secret). Rotate the provider's initial access token there and point rfc7591.initialAccessToken at it.`, 2, 'NOT_OKTA');
      await withClient(async (client) => {
        if (!(await workerIsPolling(client, taskQueueName()))) throw new CliError(`Cannot rotate: ${NO_WORKER_HINT(taskQueueName())}`, 3, 'NO_WORKER');
        const p = await rotate(client, taskQueueName(), tenant, opts.oktaToken ? 'okta-token' : 'introspection-secret', opts.by);
        print(out, p, () => renderRotation(p));
        if (p.phase !== 'completed') process.exitCode = 3;
      });
    });

  program
    .command('drift')
    .argument('<tenant>', 'tenant id (or tenant file) for the last report; the tenant file with --now, --fix or --schedule')
    .option('--now', 'run a drift check at once and print its report')
    .option('--fix', 'converge: start a normal onboarding run of the tenant file')
    .option('--schedule', 'write the tenant file to the drift schedule (create or update it): how a changed file reaches the schedule')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Drift between Okta/Anypoint and the tenant file: the last scheduled report, a check now, or the fix')
    .action(async (target: string, opts: { now?: boolean; fix?: boolean; schedule?: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      if ([opts.now, opts.fix, opts.schedule].filter(Boolean).length > 1) throw new CliError('Use one of --now, --fix and --schedule at a time.', 2, 'USAGE');
      const needsFile = opts.now || opts.fix || opts.schedule;
      const tenant = needsFile || /\.ya?ml$/i.test(target) ? await loadTenant(target) : undefined;
      await withClient(async (client) => {
        if (opts.schedule) {
          const written = await scheduleDrift(client, taskQueueName(), tenant!);
          print(out, written, () => `Drift schedule ${written.scheduleId} ${written.created ? 'created' : 'updated'}: a check every ${tenant!.lifecycle.driftCheckEvery} with this tenant file.`);
          return;
        }
        if (opts.fix) {
          const started = await startOnboarding(client, taskQueueName(), tenant!);
          print(out, started, () => `${started.existing ? 'An onboarding is already running' : 'Started an onboarding'} to converge ${tenant!.tenant.id} (${started.workflowId}, run ${started.runId}). Follow it with: npm run cli -- status ${tenant!.tenant.id} --watch`);
          return;
        }
        if (opts.now && !(await workerIsPolling(client, taskQueueName()))) throw new CliError(`Cannot check: ${NO_WORKER_HINT(taskQueueName())}`, 3, 'NO_WORKER');
        const report = opts.now ? await checkDriftNow(client, taskQueueName(), tenant!) : await lastDriftReport(client, tenant?.tenant.id ?? target);
        print(out, report, () => renderDrift(report));
        if (!report.clean) process.exitCode = 3;
      });
    });

  program
    .command('doctor')
    .argument('<tenant>', 'the tenant file')
    .option('--since <duration>', 'how far back the System Log is read for refused token requests (e.g. 2h, 7d)', '24h')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Diagnose the tenant, read-only: each check, and for a failure its cause and fix (from Okta\'s objects and System Log, or the RFC 7591 provider); exit 0 healthy, 3 not')
    .action(async (file: string, opts: { since: string; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const window = durationMs(opts.since);
      if (window === undefined) throw new CliError(`--since "${opts.since}" is not a duration. Fix: write a number and a unit, e.g. 30m, 2h or 7d.`, 2, 'USAGE');
      const tenant = await loadTenant(file);
      await withClient(async (client) => {
        if (!(await workerIsPolling(client, taskQueueName()))) throw new CliError(`Cannot diagnose: ${NO_WORKER_HINT(taskQueueName())}`, 3, 'NO_WORKER');
        const report = await runDoctor(client, taskQueueName(), tenant, new Date(Date.now() - window).toISOString());
        print(out, report, () => renderDoctor(report));
        if (!report.healthy) process.exitCode = 3;
      });
    });

  program
    .command('cancel')
    .argument('<tenant>', 'tenant id')
    .requiredOption('--reason <text>', 'why the onboarding is cancelled (kept in history)')
    .option('--by <name>', 'who cancels')
    .option('--no-wait', 'return once the cancellation is requested, without waiting for the rollback')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Cancel a running onboarding; what it created is rolled back')
    .action(async (tenantId: string, opts: { reason: string; by?: string; wait: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      await withClient(async (client) => {
        await cancel(client, tenantId, opts.reason, opts.by);
        if (!opts.wait) {
          print(out, { cancelled: tenantId, reason: opts.reason }, () => `Cancellation requested for ${tenantId}; follow the rollback with: npm run cli -- status ${tenantId} --watch`);
          return;
        }
        if (!out.json) process.stdout.write(`Cancelling ${tenantId} (${opts.reason}): rolling back what the run created…\n`);
        const p = await cancelledProgress(client, tenantId);
        print(out, { cancelled: tenantId, reason: opts.reason, progress: p }, () => (p ? renderCancelSummary(p) : `The run of ${tenantId} ended; see: npm run cli -- status ${tenantId}`));
      });
    });

  program
    .command('credentials')
    .argument('<tenant.yaml>', 'tenant file')
    .option('--show-secrets', 'print the client secrets (hidden otherwise)')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('Client ids of the clients an onboarding made, read from Okta and Anypoint; secrets only with --show-secrets')
    .action(async (file: string, opts: { showSecrets?: boolean; json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const tenant = await loadTenant(file);
      const { HIDDEN, readCredentials } = await import('./cli/credentials');
      const credentials: Credential[] = await readCredentials(tenant, { showSecrets: Boolean(opts.showSecrets) }).catch((err: unknown) => {
        // This command reads Okta and Anypoint itself: the secret is needed here, not in the worker's terminal.
        if (err instanceof SecretReferenceError) {
          const variable = /^environment variable (\S+)$/.exec(err.reference)?.[1];
          const fix = variable ? `export ${variable} in this terminal (npm run sandbox prints the sandboxes' values; the demo says where they are)` : `make ${err.reference} readable from this terminal`;
          throw new CliError(`credentials reads Okta and Anypoint with the tenant file's secrets, and ${err.reference} is missing or empty. Fix: ${fix}.`, 2, err.code);
        }
        throw err;
      });
      print(out, credentials, () =>
        [
          ...credentials.map((c) => `${c.name.padEnd(32)} ${c.purpose.padEnd(22)} client id ${(c.clientId ?? '(not created)').padEnd(24)} secret ${c.clientSecret}`),
          ...(credentials.some((c) => c.clientSecret === HIDDEN) ? ['', 'Secrets are hidden; add --show-secrets to print them (they are read from Okta and Anypoint, never from Temporal).'] : []),
        ].join('\n'),
      );
    });

  program
    .command('list')
    .option('--json', 'machine-readable output')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']))
    .description('The latest onboarding run of every tenant')
    .action(async (opts: { json?: boolean; output?: 'text' | 'json' }) => {
      const out = jsonOutput(opts);
      const tenants = await withClient((client) => list(client));
      print(out, tenants, () =>
        tenants.length === 0 ? 'No onboarding runs yet.' : tenants.map((t) => `${t.tenantId.padEnd(24)} ${t.status.toLowerCase().padEnd(12)} ${(t.phase ?? '').padEnd(20)} ${t.startTime}`).join('\n'),
      );
    });

  return program;
}

/** What a cancel rolled back, in a few calm lines. */
function renderCancelSummary(p: NonNullable<Awaited<ReturnType<typeof cancelledProgress>>>): string {
  const undone = p.steps.filter((s) => s.state === 'compensated');
  const failed = p.compensation?.failed ?? [];
  return [
    `Cancelled ${p.tenantId}: ${p.error?.replace(/^cancelled: /, '') ?? 'cancellation requested'}`,
    undone.length === 0 ? '  Nothing to roll back: the run had created nothing yet.' : `  Rolled back ${undone.length} step(s):`,
    ...undone.map((s) => `    ↺ ${s.title}`),
    ...failed.map((f) => `    ! NOT rolled back: ${f.title}: ${f.error}`),
    `  Resources that existed before the run were not touched. Details: npm run cli -- status ${p.tenantId}`,
  ].join('\n');
}

/** Any failure as the user should read it: the activity's cause and fix, a code, the documented exit code. */
function asCliFailure(err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (err instanceof CommanderError) return new CliError(err.message.replace(/^error: /, ''), 2, 'USAGE');
  if (err instanceof WorkflowFailedError) return new CliError(describeError(err), 3, 'WORKFLOW_FAILED');
  if (err instanceof WorkflowUpdateFailedError) return new CliError((err.cause as Error | undefined)?.message ?? err.message, 3, 'UPDATE_FAILED');
  // Its message says where it tried and how to start a server.
  if (err instanceof TemporalConnectionError) return new CliError(err.message, 3, err.code);
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram({ json });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // --help and --version end the same way as an error does, with exit code 0.
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    const failure = asCliFailure(err);
    const exitCode = failure?.exitCode ?? 1;
    const code = failure?.code ?? 'UNEXPECTED';
    const message = failure?.message ?? (err as Error)?.message ?? String(err);
    if (json) process.stderr.write(JSON.stringify({ error: { code, exitCode, message, ...(failure?.details ? { details: failure.details } : {}) } }, null, 2) + '\n');
    else if (!(err instanceof CommanderError)) process.stderr.write(`error [${code}]: ${message}\n`);
    return exitCode;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => process.exit(code));
}
