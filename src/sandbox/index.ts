import { startAnypointSandbox, type AnypointSandbox } from './anypoint';
import type { FastifyBaseLogger } from 'fastify';
import { ADMIN_PREFIX, type SandboxTls } from './core';
import { startGateway, type RunningGateway } from './gateway';
import { startOktaSandbox } from './okta';
import { startOpenAmSandbox, type OpenAmSandbox } from './openam';
import { startUpstream, UPSTREAM_BASE_PATH } from './upstream';

/*
 * The whole local platform in one call: the Okta emulator, the Anypoint emulator, the built-in
 * solar-system upstream and the API gateway, wired together in process, and on request the OpenAM
 * emulator (a second identity-provider type, in a child process). Used by `npm run sandbox`, the demo
 * and end-to-end tests.
 */

export const DEFAULT_PORTS = { okta: 18080, anypoint: 18081, upstream: 18082, gateway: 18083, openam: 18084 } as const;

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
  /** Rate-limit window length in ms; shorter simulates time (see SandboxOptions). @default 60000 */
  rateLimitWindowMs?: number;
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
  /** Also start the OpenAM emulator (state in `openam.json` beside the others). @default false */
  openam?: boolean;
  /** Its initial access token; env OPENAM_SANDBOX_INITIAL_ACCESS_TOKEN, else the persisted one, else random. */
  openamInitialAccessToken?: string;
  /** Request logs of the in-process services (OpenAM runs in a child process and keeps its own); silent when unset. */
  logger?: FastifyBaseLogger;
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
  /**
   * The OpenAM realm when `openam` was asked for: issuer and endpoint URLs, the initial access token
   * (Anypoint's registration header is `registrationAuthorization`, `Bearer <token>`) and the introspection
   * client to configure as the client provider's primary client.
   */
  openam?: Pick<OpenAmSandbox, 'url' | 'realm' | 'issuer' | 'urls' | 'initialAccessToken' | 'registrationAuthorization' | 'introspectionClient'>;
  /** Admin API base per service (`/__sandbox`: state, reset, request log, faults). */
  admin: { okta: string; anypoint: string; upstream: string; gateway: string; openam?: string };
  sandboxes: { anypoint: AnypointSandbox; gateway: RunningGateway; openam?: OpenAmSandbox };
  close(): Promise<void>;
}

export async function startAllSandboxes(opts: StartAllOptions = {}): Promise<AllSandboxes> {
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const host = opts.host ?? '127.0.0.1';
  const common = { host, stateDir: opts.stateDir, logger: opts.logger };
  const started: { close(): Promise<void> }[] = [];
  try {
    const okta = await startOktaSandbox({ ...common, port: ports.okta, rateLimitProfile: opts.rateLimitProfile, rateLimitWindowMs: opts.rateLimitWindowMs, ...(opts.oktaApiToken ? { apiToken: opts.oktaApiToken } : {}) });
    started.push(okta);
    const anypoint = await startAnypointSandbox({ ...common, port: ports.anypoint, rateLimitProfile: opts.rateLimitProfile, rateLimitWindowMs: opts.rateLimitWindowMs, connectedApp: opts.anypointConnectedApp, tls: opts.anypointTls });
    started.push(anypoint);
    const upstream = await startUpstream({ host, port: ports.upstream, logger: opts.logger });
    started.push(upstream);
    const gateway = await startGateway({ anypoint, host, port: ports.gateway, logger: opts.logger });
    started.unshift(gateway);
    const openam = opts.openam
      ? await startOpenAmSandbox({ host, stateDir: opts.stateDir, port: ports.openam, ...(opts.openamInitialAccessToken ? { initialAccessToken: opts.openamInitialAccessToken } : {}) })
      : undefined;
    if (openam) started.push(openam);
    return {
      okta: { url: okta.url, apiToken: okta.apiToken, adminUserLogin: okta.adminUserLogin },
      anypoint: { url: anypoint.url, orgId: anypoint.orgId, orgDomain: anypoint.orgDomain, environments: anypoint.environments, connectedApp: anypoint.connectedApp },
      upstream: { url: `${upstream.url}${UPSTREAM_BASE_PATH}`, baseUrl: upstream.url },
      gateway: { url: gateway.url },
      ...(openam
        ? {
            openam: {
              url: openam.url,
              realm: openam.realm,
              issuer: openam.issuer,
              urls: openam.urls,
              initialAccessToken: openam.initialAccessToken,
              registrationAuthorization: openam.registrationAuthorization,
              introspectionClient: openam.introspectionClient,
            },
          }
        : {}),
      admin: {
        okta: `${okta.url}${ADMIN_PREFIX}`,
        anypoint: `${anypoint.url}${ADMIN_PREFIX}`,
        upstream: `${upstream.url}${ADMIN_PREFIX}`,
        gateway: `${gateway.url}${ADMIN_PREFIX}`,
        ...(openam ? { openam: `${openam.url}${ADMIN_PREFIX}` } : {}),
      },
      sandboxes: { anypoint, gateway, ...(openam ? { openam } : {}) },
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
