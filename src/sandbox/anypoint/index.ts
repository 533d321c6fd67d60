import { RunningSandbox, SandboxContext, SandboxOptions, startSandbox } from '../core';
import type { AnypointRuntime } from './http';
import { AnypointSeed, newSeed } from './seed';
import { anypointService } from './service';
import type { AnypointState } from './state';

export type { AnypointState } from './state';
export type { AnypointRuntime } from './http';
export { SOLAR_SYSTEM_RAML } from './seed';
export { MULESOFT_POLICY_GROUP, OIDC_TEMPLATE, CLIENT_ID_TEMPLATE, RATE_LIMIT_TEMPLATE, SLA_RATE_LIMIT_TEMPLATE, POLICY_TEMPLATES, findTemplate, effectiveConfiguration } from './policy-templates';

export interface AnypointSandboxOptions extends SandboxOptions {
  /** Credentials of the seeded connected app. @default env ANYPOINT_SANDBOX_CLIENT_ID/SECRET, else random */
  connectedApp?: { clientId: string; clientSecret: string };
  /** Lifetime of issued access tokens; shorter values exercise re-authentication. @default 3600 */
  tokenTtlSeconds?: number;
}

export interface AnypointSandbox extends RunningSandbox<AnypointState> {
  orgId: string;
  orgDomain: string;
  environments: { Sandbox: string; Production: string };
  connectedApp: { clientId: string; clientSecret: string };
  runtime: AnypointRuntime;
}

const runtimes = new WeakMap<SandboxContext<AnypointState>, AnypointRuntime>();

/** The runtime settings of a running Anypoint sandbox (the gateway records its URL there). */
export function anypointRuntimeOf(ctx: SandboxContext<AnypointState>): AnypointRuntime | undefined {
  return runtimes.get(ctx);
}

/**
 * Starts the Anypoint Platform emulator: Access Management, Exchange, API Manager, proxies.
 * Seeds an org with a domain, environments Sandbox and Production, a connected app and the
 * solar-system RAML asset; with `stateDir` a restart keeps everything, and an admin reset reseeds
 * the same org, environments and connected app.
 */
export async function startAnypointSandbox(opts: AnypointSandboxOptions = {}): Promise<AnypointSandbox> {
  const seed: AnypointSeed = newSeed({ connectedApp: opts.connectedApp });
  const runtime: AnypointRuntime = { tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600 };
  const sandbox = await startSandbox(anypointService(seed, runtime), opts);
  const state = sandbox.ctx.state;
  // A persisted state wins: adopt its identity so a reset reseeds the same org.
  Object.assign(seed, {
    orgId: state.org.id,
    orgName: state.org.name,
    orgDomain: state.org.domain,
    ownerUserId: state.org.ownerId,
    environments: {
      Sandbox: state.environments.find((e) => e.name === 'Sandbox')?.id ?? seed.environments.Sandbox,
      Production: state.environments.find((e) => e.name === 'Production')?.id ?? seed.environments.Production,
    },
  });
  if (opts.connectedApp && !state.connectedApps.some((a) => a.clientId === opts.connectedApp!.clientId && a.clientSecret === opts.connectedApp!.clientSecret)) {
    state.connectedApps = state.connectedApps.filter((a) => a.clientId !== opts.connectedApp!.clientId);
    state.connectedApps.unshift({ ...opts.connectedApp, name: seed.connectedApp.name });
    sandbox.ctx.store.persist();
  }
  const app = state.connectedApps[0];
  seed.connectedApp = { ...app };
  runtimes.set(sandbox.ctx, runtime);
  return {
    ...sandbox,
    orgId: seed.orgId,
    orgDomain: seed.orgDomain,
    environments: { ...seed.environments },
    connectedApp: { clientId: app.clientId, clientSecret: app.clientSecret },
    runtime,
  };
}
