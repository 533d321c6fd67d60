import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { redactUrl } from '../../logging';
import { FaultInjector, FaultRule } from './faults';
import { RequestLog } from './request-log';
import { RateLimiter, RateLimitClassifier, RateLimitHeaderNames } from './rate-limit';
import { StateStore } from './state-store';
import { registerAdminRoutes, ADMIN_PREFIX } from './admin';

/** A canned response a service renders for an injected or limit-induced failure. */
export interface CannedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What an emulator (Okta, Anypoint, …) plugs into the shared sandbox server. */
export interface SandboxServiceDefinition<S> {
  /** Short name, used for the state file (`<name>.json`) and logs. */
  name: string;
  /** A freshly seeded state: what a new org looks like. */
  seed(): S;
  /** Registers the service's real API routes. */
  routes(app: FastifyInstance, ctx: SandboxContext<S>): void | Promise<void>;
  /** Service-specific admin routes, mounted under {@link ADMIN_PREFIX}. */
  adminRoutes?(app: FastifyInstance, ctx: SandboxContext<S>): void | Promise<void>;
  /** Rate-limit profiles by name; `unlimited` is always available. */
  rateLimitProfiles?: Record<string, RateLimitClassifier>;
  rateLimitHeaders: RateLimitHeaderNames;
  /** The service's body for an injected 5xx. */
  serverError(status: number): CannedResponse;
  /** The service's 429 body for a window that resets at `resetEpochSeconds`; `path` lets a service vary it per API family. */
  rateLimited(resetEpochSeconds: number, path: string): CannedResponse;
}

export interface SandboxOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Folder for persistent state; in memory when unset. */
  stateDir?: string;
  /** Name of a rate-limit profile of the service. @default 'unlimited' */
  rateLimitProfile?: string;
  /**
   * Length of the rate-limit windows in ms: shorter than a minute simulates time (at 6000 the
   * profile's limits renew ten times a minute). Whole seconds, since resets are announced in seconds.
   * @default 60000
   */
  rateLimitWindowMs?: number;
  /** Overrides the externally visible base URL (e.g. behind a proxy). @default http(s)://host:port */
  publicUrl?: string;
  /**
   * Seed of the fault injector's randomness, so a run with probabilistic faults replays exactly.
   * @default the SANDBOX_FAULT_SEED environment variable, else unseeded (Math.random)
   */
  faultSeed?: string | number;
  /** Serve HTTPS with this key and certificate (see {@link prepareSandboxTls}); plain HTTP when unset. */
  tls?: { key: string; cert: string };
  /**
   * Logs each request (and the emulator's own errors) here, tagged with the service's name: a pino
   * logger from src/logging.ts (JSON, redacted). Silent when unset, as in tests.
   */
  logger?: FastifyBaseLogger;
}

export interface SandboxContext<S> {
  /** The live state; replaced on reset, so read it through the context each time. */
  readonly state: S;
  /** Base URL clients use, without trailing slash. Known once listening. */
  readonly baseUrl: string;
  /** True when the base URL was configured (`publicUrl`) rather than derived from the listener. */
  readonly publicUrlConfigured: boolean;
  readonly store: StateStore<S>;
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly rateLimiter: RateLimiter;
  readonly rateLimitProfile: string;
}

export interface RunningSandbox<S> {
  url: string;
  ctx: SandboxContext<S>;
  app: FastifyInstance;
  close(): Promise<void>;
}

const UNLIMITED: RateLimitClassifier = () => undefined;

declare module 'fastify' {
  interface FastifyRequest {
    sandboxStartedAt?: bigint;
    sandboxLostResponse?: FaultRule;
    sandboxFault?: string;
    /** Set by a service that hands requests to an app mounted at a path (the OpenAM emulator): what the log records. */
    sandboxMounted?: { url: string; route: string };
  }
}

const firstForwarded = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim() || undefined;

/**
 * The base URL as the caller reached it, for absolute links in responses: a client behind a proxy
 * must be sent back through it. `X-Forwarded-Host` / `X-Forwarded-Proto` (the first hop's values)
 * win, then a configured `publicUrl`, then the `Host` header with the listener's scheme. Values that
 * are not a plain host[:port] or http(s) are ignored rather than echoed into links.
 */
export function requestBaseUrl(req: FastifyRequest, ctx: SandboxContext<unknown>): string {
  const forwardedHost = firstForwarded(req.headers['x-forwarded-host']);
  const forwardedProto = firstForwarded(req.headers['x-forwarded-proto'])?.toLowerCase();
  if (!forwardedHost && !forwardedProto && ctx.publicUrlConfigured) return ctx.baseUrl;
  const own = new URL(ctx.baseUrl);
  const host = forwardedHost ?? req.headers.host ?? own.host;
  const proto = forwardedProto ?? own.protocol.slice(0, -1);
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host) || (proto !== 'http' && proto !== 'https')) return ctx.baseUrl;
  return `${proto}://${host}`;
}

/** Builds (but does not start) a sandbox server for one service; used by {@link startSandbox}. */
export async function buildSandbox<S>(def: SandboxServiceDefinition<S>, opts: SandboxOptions = {}) {
  const profileName = opts.rateLimitProfile ?? 'unlimited';
  // A service may define its own `unlimited` (Okta: the free org's buckets at limits no test reaches, so its headers are always sent).
  const classifier = def.rateLimitProfiles?.[profileName] ?? (profileName === 'unlimited' ? UNLIMITED : undefined);
  if (!classifier) {
    const known = ['unlimited', ...Object.keys(def.rateLimitProfiles ?? {})].join(', ');
    throw new Error(`Unknown rate-limit profile "${profileName}" for ${def.name}; use one of: ${known}`);
  }
  const store = new StateStore<S>(def.name, () => def.seed(), opts.stateDir);
  let baseUrl = opts.publicUrl?.replace(/\/$/, '') ?? '';
  const ctx: SandboxContext<S> = {
    get state() {
      return store.state;
    },
    get baseUrl() {
      return baseUrl;
    },
    publicUrlConfigured: opts.publicUrl !== undefined,
    store,
    log: new RequestLog(),
    faults: new FaultInjector(opts.faultSeed ?? process.env.SANDBOX_FAULT_SEED),
    rateLimiter: new RateLimiter(classifier, opts.rateLimitWindowMs),
    rateLimitProfile: profileName,
  };

  const app = Fastify({
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
    // One line per request (recordRequest below) instead of Fastify's two.
    ...(opts.logger ? { loggerInstance: opts.logger.child({ sandbox: def.name }), logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    // The Okta SDK sends `//api/v1/...` when orgUrl ends with a slash; Okta tolerates it.
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
    bodyLimit: 20 * 1024 * 1024,
    forceCloseConnections: true,
  });

  // Real APIs accept an empty body with a JSON content type (lifecycle POSTs); Fastify would refuse it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('The request body was not well-formed.') as Error & { statusCode: number; code: string };
      err.statusCode = 400;
      err.code = 'MALFORMED_JSON';
      done(err, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const isAdmin = (req: FastifyRequest) => req.url.startsWith(ADMIN_PREFIX);
  const pathOf = (req: FastifyRequest) => req.url.split('?')[0].replace(/\/{2,}/g, '/');

  app.addHook('onRequest', async (req, reply) => {
    req.sandboxStartedAt = process.hrtime.bigint();
    if (isAdmin(req)) return;
    const method = req.method;
    const path = pathOf(req);
    const url = req.url.replace(/\/{2,}/g, '/');

    if (!ctx.faults.empty) {
      const latency = ctx.faults.take('latency', method, path, url);
      if (latency) {
        req.sandboxFault = 'latency';
        await new Promise((r) => setTimeout(r, latency.latencyMs ?? 100));
      }
      if (ctx.faults.take('drop', method, path, url)) {
        req.sandboxFault = 'drop';
        recordRequest(req, 0);
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      const error = ctx.faults.take('error', method, path, url);
      if (error) {
        req.sandboxFault = 'error';
        return sendCanned(reply, def.serverError(error.status ?? 503));
      }
      const burst = ctx.faults.take('rateLimit', method, path, url);
      if (burst) {
        req.sandboxFault = 'rateLimit';
        const reset = Math.ceil(Date.now() / 1000) + (burst.retryAfterSeconds ?? 1);
        setRateHeaders(reply, 0, 0, reset);
        return sendCanned(reply, def.rateLimited(reset, path));
      }
      req.sandboxLostResponse = ctx.faults.take('lostResponse', method, path, url);
    }

    const decision = ctx.rateLimiter.check(method, path);
    if (decision) {
      setRateHeaders(reply, decision.limit, decision.remaining, decision.resetEpochSeconds);
      if (!decision.allowed) return sendCanned(reply, def.rateLimited(decision.resetEpochSeconds, path));
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (isAdmin(req)) return payload;
    const mutating = req.method !== 'GET' && req.method !== 'HEAD';
    if (mutating && store.persistent) store.persist();
    const lost = req.sandboxLostResponse;
    if (lost && reply.statusCode < 400) {
      req.sandboxFault = 'lostResponse';
      if (lost.mode === 'reset') {
        recordRequest(req, 0);
        req.raw.socket.destroy();
        return payload;
      }
      const canned = def.serverError(lost.status ?? 500);
      reply.code(canned.status);
      reply.header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(canned.body);
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    if (isAdmin(req) || req.sandboxFault === 'drop' || (req.sandboxFault === 'lostResponse' && req.sandboxLostResponse?.mode === 'reset')) return;
    recordRequest(req, reply.statusCode);
  });

  function recordRequest(req: FastifyRequest, status: number) {
    const started = req.sandboxStartedAt ?? process.hrtime.bigint();
    const entry = {
      method: req.method,
      url: req.sandboxMounted?.url ?? req.url,
      route: req.sandboxMounted?.route ?? req.routeOptions?.url ?? '(unmatched)',
      status,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      fault: req.sandboxFault,
    };
    ctx.log.record(entry);
    if (opts.logger) {
      const url = redactUrl(entry.url);
      req.log.info({ ...entry, url }, `${entry.method} ${url} → ${status || 'no response'}${entry.fault ? ` (fault: ${entry.fault})` : ''} ${Math.round(entry.durationMs)} ms`);
    }
  }

  function setRateHeaders(reply: FastifyReply, limit: number, remaining: number, reset: number) {
    reply.header(def.rateLimitHeaders.limit, String(limit));
    reply.header(def.rateLimitHeaders.remaining, String(remaining));
    reply.header(def.rateLimitHeaders.reset, String(reset));
  }

  function sendCanned(reply: FastifyReply, canned: CannedResponse) {
    for (const [k, v] of Object.entries(canned.headers ?? {})) reply.header(k, v);
    return reply.code(canned.status).send(canned.body);
  }

  await app.register(async (admin) => {
    registerAdminRoutes(admin, ctx);
    await def.adminRoutes?.(admin, ctx);
  }, { prefix: ADMIN_PREFIX });
  await def.routes(app, ctx);

  return {
    app,
    ctx,
    setBaseUrl(url: string) {
      baseUrl = url.replace(/\/$/, '');
    },
  };
}

/** Starts one service's sandbox and returns its URL; `port: 0` picks a free port (tests). */
export async function startSandbox<S>(def: SandboxServiceDefinition<S>, opts: SandboxOptions = {}): Promise<RunningSandbox<S>> {
  const built = await buildSandbox(def, opts);
  const host = opts.host ?? '127.0.0.1';
  await built.app.listen({ host, port: opts.port ?? 0 });
  const address = built.app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const scheme = opts.tls ? 'https' : 'http';
  const url = opts.publicUrl?.replace(/\/$/, '') ?? `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  built.setBaseUrl(url);
  return {
    url,
    ctx: built.ctx,
    app: built.app,
    close: () => built.app.close(),
  };
}
