import { startAnypointSandbox, type AnypointSandbox } from './anypoint';
import { ADMIN_PREFIX, type SandboxTls } from './core';
import { startGateway, type RunningGateway } from './gateway';
import { startOktaSandbox } from './okta';
import { startUpstream, UPSTREAM_BASE_PATH } from './upstream';

/*
 * The whole local platform in one call: the Okta emulator, the Anypoint emulator, the built-in
 * solar-system upstream and the API gateway, wired together in process. Used by `npm run sandbox`,
 * the demo and end-to-end tests.
 */

export const DEFAULT_PORTS = { okta: 18080, anypoint: 18081, upstream: 18082, gateway: 18083 } as const;

/**
 * Names the Anypoint certificate is valid for beyond localhost and 127.0.0.1. anypoint-cli attaches its
 * token only to hosts whose name contains `anypoint.mulesoft` (anypoint-cli-command lib/api-client.js), so
 * it needs such a name for the sandbox: map this one to 127.0.0.1 (an /etc/hosts line) and use it as `--host`.
 */
export const ANYPOINT_TLS_HOSTNAMES = ['anypoint.mulesoft.localhost'];

export interface StartAllOptions {
  /** Folder for persistent state (okta.json, anypoint.json); in memory when unset. */
  stateDir?: string;
  /** Ports per service; 0 picks a free port. @default DEFAULT_PORTS */
  ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  /** Rate-limit profile for Okta and Anypoint (`developer` or `unlimited`). @default 'unlimited' */
  rateLimitProfile?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** Okta API token to seed; random when unset. */
  oktaApiToken?: string;
  /** Anypoint connected-app credentials to seed; env ANYPOINT_SANDBOX_CLIENT_ID/SECRET or random when unset. */
  anypointConnectedApp?: { clientId: string; clientSecret: string };
  /**
   * Serve the Anypoint emulator over HTTPS with this certificate ({@link prepareSandboxTls}). Okta, the
   * upstream and the gateway stay on HTTP: HTTPS is for the clients that insist on it, like anypoint-cli.
   */
  anypointTls?: SandboxTls;
}

export interface AllSandboxes {
  okta: { url: string; apiToken: string; adminUserLogin: string };
  anypoint: {
    url: string;
    orgId: string;
    orgDomain: string;
    environments: { Sandbox: string; Production: string };
    connectedApp: { clientId: string; clientSecret: string };
  };
  /** The solar-system API: `${upstream.url}` is e.g. http://127.0.0.1:18082/solar-system. */
  upstream: { url: string; baseUrl: string };
  /** Deployed proxies answer at `${gateway.url}/{applicationName}`. */
  gateway: { url: string };
  /** Admin API base per service (`/__sandbox`: state, reset, request log, faults). */
  admin: { okta: string; anypoint: string; upstream: string; gateway: string };
  sandboxes: { anypoint: AnypointSandbox; gateway: RunningGateway };
  close(): Promise<void>;
}

export async function startAllSandboxes(opts: StartAllOptions = {}): Promise<AllSandboxes> {
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const host = opts.host ?? '127.0.0.1';
  const common = { host, stateDir: opts.stateDir };
  const started: { close(): Promise<void> }[] = [];
  try {
    const okta = await startOktaSandbox({ ...common, port: ports.okta, rateLimitProfile: opts.rateLimitProfile, ...(opts.oktaApiToken ? { apiToken: opts.oktaApiToken } : {}) });
    started.push(okta);
    const anypoint = await startAnypointSandbox({ ...common, port: ports.anypoint, rateLimitProfile: opts.rateLimitProfile, connectedApp: opts.anypointConnectedApp, tls: opts.anypointTls });
    started.push(anypoint);
    const upstream = await startUpstream({ host, port: ports.upstream });
    started.push(upstream);
    const gateway = await startGateway({ anypoint, host, port: ports.gateway });
    started.unshift(gateway);
    return {
      okta: { url: okta.url, apiToken: okta.apiToken, adminUserLogin: okta.adminUserLogin },
      anypoint: { url: anypoint.url, orgId: anypoint.orgId, orgDomain: anypoint.orgDomain, environments: anypoint.environments, connectedApp: anypoint.connectedApp },
      upstream: { url: `${upstream.url}${UPSTREAM_BASE_PATH}`, baseUrl: upstream.url },
      gateway: { url: gateway.url },
      admin: { okta: `${okta.url}${ADMIN_PREFIX}`, anypoint: `${anypoint.url}${ADMIN_PREFIX}`, upstream: `${upstream.url}${ADMIN_PREFIX}`, gateway: `${gateway.url}${ADMIN_PREFIX}` },
      sandboxes: { anypoint, gateway },
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(services: { close(): Promise<void> }[]): Promise<void> {
  for (const s of services) await s.close().catch(() => undefined);
}
