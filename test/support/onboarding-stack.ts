import { resolve } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyBaseLogger } from 'fastify';
import { Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import { OktaClient } from '../../src/clients/okta';
import { loadTenantFile, oktaTenant, type OktaTenantConfig, type Rfc7591TenantConfig, type TenantConfig } from '../../src/config/tenant';
import { startAllSandboxes, type AllSandboxes, type StartAllOptions } from '../../src/sandbox';
import { SandboxAdminClient } from '../../src/sandbox/core';
import { pointTenantAtSandboxes, sandboxSecretEnv } from '../../src/sandbox/tenant';
import type { onboardTenant } from '../../src/workflows';
import { progressQuery, type OnboardingProgress } from '../../src/workflows/messages';
import type { SandboxState } from './inventory';
import { getWorkflowBundle, testDataConverter, uniqueId, uniqueTaskQueue } from './temporal';

export const EXAMPLE_TENANT = resolve(__dirname, '../../examples/solar-system.tenant.yaml');
/** The second kind of identity provider: an RFC 7591 provider (the OpenAM emulator). */
export const OPENAM_EXAMPLE_TENANT = resolve(__dirname, '../../examples/solar-system-openam.tenant.yaml');

/**
 * The product as a user runs it, for end-to-end tests: the real activities against the Okta and
 * Anypoint sandboxes and the gateway (free ports), a worker and a client on a real Temporal server,
 * with the encrypting codec. The example tenant's secrets are exported from the sandboxes' values.
 */
export class OnboardingStack {
  readonly dataConverter = testDataConverter();
  readonly client: Client;
  readonly taskQueue = uniqueTaskQueue('e2e');
  readonly okta: SandboxAdminClient;
  readonly anypoint: SandboxAdminClient;
  /** The OpenAM emulator's admin API, when the stack was started with it. */
  readonly openam?: SandboxAdminClient;

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly sandboxes: AllSandboxes,
  ) {
    this.client = new Client({ connection: env.connection, dataConverter: this.dataConverter });
    this.okta = new SandboxAdminClient(sandboxes.okta.url);
    this.anypoint = new SandboxAdminClient(sandboxes.anypoint.url);
    if (sandboxes.openam) this.openam = new SandboxAdminClient(sandboxes.openam.url);
  }

  /** `logger`: the sandboxes' request logs (silent without); a rate-limit profile and window length for load tests. */
  static async start(env: TestWorkflowEnvironment, opts: { openam?: boolean; logger?: FastifyBaseLogger } & Pick<StartAllOptions, 'rateLimitProfile' | 'rateLimitWindowMs'> = {}): Promise<OnboardingStack> {
    const sandboxes = await startAllSandboxes({ ports: { okta: 0, anypoint: 0, upstream: 0, gateway: 0, openam: 0 }, openam: opts.openam, logger: opts.logger, rateLimitProfile: opts.rateLimitProfile, rateLimitWindowMs: opts.rateLimitWindowMs });
    Object.assign(process.env, sandboxSecretEnv(sandboxes));
    return new OnboardingStack(env, sandboxes);
  }

  /** The example tenant pointed at these sandboxes, with a tenant id of its own unless given. */
  tenant<T extends TenantConfig = OktaTenantConfig>(mutate: (cfg: OktaTenantConfig) => T = (c) => c as T): T {
    const cfg = pointTenantAtSandboxes(oktaTenant(loadTenantFile(EXAMPLE_TENANT)), this.sandboxes);
    return mutate(cfg);
  }

  /** The OpenAM example tenant (an rfc7591 tenant) pointed at these sandboxes; needs `start(env, { openam: true })`. */
  openamTenant(mutate: (cfg: Rfc7591TenantConfig) => Rfc7591TenantConfig = (c) => c): Rfc7591TenantConfig {
    const cfg = loadTenantFile(OPENAM_EXAMPLE_TENANT);
    if (!cfg.rfc7591) throw new Error(`${OPENAM_EXAMPLE_TENANT} is not an rfc7591 tenant`);
    return mutate(pointTenantAtSandboxes(cfg, this.sandboxes));
  }

  /** A worker with the project's activities (or overrides of some of them) on this stack's queue. */
  worker(overrides: Partial<typeof activities> = {}): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: getWorkflowBundle('onboarding'),
      activities: { ...activities, ...overrides },
      dataConverter: this.dataConverter,
    });
  }

  start(cfg: TenantConfig, workflowId = uniqueId(`onboarding-${cfg.tenant.id}`)): Promise<WorkflowHandle<typeof onboardTenant>> {
    return this.client.workflow.start<typeof onboardTenant>('onboardTenant', { taskQueue: this.taskQueue, workflowId, args: [{ tenant: cfg }] });
  }

  async waitForPhase(handle: WorkflowHandle, phase: string | string[], timeoutMs = 120_000): Promise<OnboardingProgress> {
    const phases = [phase].flat();
    const until = Date.now() + timeoutMs;
    let last: OnboardingProgress | undefined;
    while (Date.now() < until) {
      last = await handle.query(progressQuery);
      if (phases.includes(last.phase)) return last;
      if (['completed', 'failed', 'cancelled'].includes(last.phase)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run never reached ${phases.join('/')}: last phase ${last?.phase}, steps ${JSON.stringify(last?.steps.filter((s) => s.state !== 'done'))}, error ${last?.error}`);
  }

  /** Does, as the Okta admin, each assignment a waiting run lists (its `missing`: client id and group). */
  async assignAsOktaAdmin(waiting: OnboardingProgress): Promise<void> {
    const okta = new OktaClient({ orgUrl: this.sandboxes.okta.url, apiToken: this.sandboxes.okta.apiToken });
    for (const { clientId, group } of waiting.missing ?? []) await okta.assignGroupToApp(clientId, (await okta.findGroupByName(group))!.id!);
  }

  /** Okta and Anypoint resources, comparable across runs (the request log and token stores left out). */
  async state(): Promise<SandboxState> {
    return { okta: await this.okta.state<SandboxState['okta']>(), anypoint: await this.anypoint.state<SandboxState['anypoint']>() };
  }

  async close(): Promise<void> {
    await this.sandboxes.close();
  }
}
