import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { CliError, history } from '../cli/operations';
import { readRecord, requireRecord } from '../cli/lifecycle';
import { renderAuditMarkdown } from '../cli/render';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';
import type { ConsoleConfig } from './config';
import { OktaSignIn, SignInError } from './oidc';
import { csrfMatches, SESSION_COOKIE, SessionStore, type Session } from './sessions';
import { isTemporalUnreachable, withTemporal, type TemporalSource } from './temporal-access';
import { html, inboxMain, layout, messageMain, tenantMain, tenantsMain, type Html, type PageContext, type TenantRow } from './views';
import { AssignmentChecks, BadDecision, decide, readInbox, splitKey } from './waiting';

/*
 * The web console: the inbox of pauses waiting for a person, the tenants and their audit, and
 * approval by a signed-in member of the approvers' Okta group. Every page needs a signed-in user;
 * every state-changing request is a POST carrying the session's CSRF token.
 */

export interface ConsoleOptions {
  config: ConsoleConfig;
  temporal: TemporalSource;
  /** The address the console listens on is known only after listen when the port is 0. */
  logger?: boolean;
}

export interface RunningConsole {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Reads get this long; an approval waits for the workflow's own check in Okta. */
const READ_DEADLINE_MS = 8_000;
const DECIDE_DEADLINE_MS = 60_000;
const LIVE_EVERY_MS = 2_000;

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session;
    /** The browser sent a session id this console does not hold (expired, signed out, restarted). */
    sessionEnded?: boolean;
  }
}

export async function startConsole(opts: ConsoleOptions): Promise<RunningConsole> {
  const { config, temporal } = opts;
  const url = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const secureCookies = url.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url);
  const signIn = new OktaSignIn(config, `${url}/callback`);
  const sessions = new SessionStore(config.sessionMs);
  const deciding = new Set<string>();
  const assignmentChecks = new AssignmentChecks(config.oktaCheckEveryMs);
  // Event streams never end by themselves: closing the console ends them rather than waiting.
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);

  const setSessionCookie = (reply: FastifyReply, session: Session) =>
    reply.setCookie(SESSION_COOKIE, session.id, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: Math.floor(config.sessionMs / 1000) });

  app.addHook('onRequest', async (req, reply) => {
    const found = sessions.find(req.cookies[SESSION_COOKIE]);
    req.consoleSession = found.session;
    req.sessionEnded = found.ended;
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self' " + new URL(config.oidc.issuer).origin);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('cache-control', 'no-store');
  });

  const ctxOf = (req: FastifyRequest, view?: string): PageContext => ({ session: req.consoleSession, view, approversGroup: config.approversGroup });

  /** Renders a page once; the flash it shows is spent. */
  const sendPage = (req: FastifyRequest, reply: FastifyReply, title: string, main: Html, view?: string, opts: { status?: number; banner?: string } = {}) => {
    const page = layout(title, ctxOf(req, view), main, { banner: opts.banner });
    if (req.consoleSession) req.consoleSession.flash = undefined;
    return reply.code(opts.status ?? 200).type('text/html; charset=utf-8').send(page);
  };

  const unreachableText = (err: unknown) => `Temporal (${temporal.address}) is unreachable: ${(err as Error).message.split('\n')[0]}. This page reconnects by itself when it is back.`;

  /** Pages need a signed-in user: the others go to sign-in and come back. */
  const requireUser = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (req.consoleSession?.user) return true;
    void reply.redirect(`/login?returnTo=${encodeURIComponent(req.url)}`, 303);
    return false;
  };

  /** The live region's content of a view, for the page and for the event stream. */
  async function viewMain(view: string, req: FastifyRequest): Promise<{ title: string; main: Html }> {
    const ctx = ctxOf(req, view);
    return withTemporal(temporal, READ_DEADLINE_MS, async (client) => {
      if (view === 'inbox') return { title: 'Inbox', main: inboxMain(await readInbox(client, { live: assignmentChecks }), ctx) };
      if (view === 'tenants') {
        const inbox = await readInbox(client, {});
        const rows: TenantRow[] = [];
        for (const tenant of inbox.tenants) {
          const record = await readRecord(client, tenant.tenantId).catch(() => undefined);
          rows.push({ tenant, lastDrift: record?.lastDrift, waiting: inbox.items.filter((i) => i.tenantId === tenant.tenantId).length });
        }
        return { title: 'Tenants', main: tenantsMain(rows) };
      }
      const tenantId = view.slice('tenant:'.length);
      const [runs, record, inbox] = await Promise.all([history(client, tenantId), readRecord(client, tenantId), readInbox(client, { live: assignmentChecks })]);
      return { title: `Tenant ${tenantId}`, main: tenantMain({ tenantId, runs, record, waiting: inbox.items.filter((i) => i.tenantId === tenantId) }, ctx) };
    });
  }

  async function sendView(req: FastifyRequest, reply: FastifyReply, view: string) {
    if (!requireUser(req, reply)) return reply;
    try {
      const { title, main } = await viewMain(view, req);
      return sendPage(req, reply, title, main, view);
    } catch (err) {
      if (isTemporalUnreachable(err)) return sendPage(req, reply, 'Temporal unreachable', messageMain('Temporal is unreachable', unreachableText(err)), view, { status: 503, banner: unreachableText(err) });
      if (err instanceof CliError && err.exitCode === 4) return sendPage(req, reply, 'Not found', messageMain('Not found', err.message), undefined, { status: 404 });
      throw err;
    }
  }

  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=300').send(CONSOLE_CSS));
  app.get('/assets/console.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(CONSOLE_JS));
  app.get('/', async (_req, reply) => reply.redirect('/inbox', 303));
  app.get('/inbox', (req, reply) => sendView(req, reply, 'inbox'));
  app.get('/tenants', (req, reply) => sendView(req, reply, 'tenants'));
  app.get<{ Params: { tenantId: string } }>('/tenants/:tenantId', (req, reply) => sendView(req, reply, `tenant:${req.params.tenantId}`));

  app.get<{ Params: { tenantId: string; format: string } }>('/tenants/:tenantId/audit.:format', async (req, reply) => {
    if (!requireUser(req, reply)) return reply;
    const { tenantId, format } = req.params;
    if (format !== 'json' && format !== 'md') return reply.code(404).send('The audit exports as audit.json or audit.md.');
    try {
      const record = await withTemporal(temporal, READ_DEADLINE_MS, (client) => requireRecord(client, tenantId));
      const name = `audit-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}.${format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      return format === 'json' ? reply.type('application/json; charset=utf-8').send(JSON.stringify(record, null, 2)) : reply.type('text/markdown; charset=utf-8').send(renderAuditMarkdown(record));
    } catch (err) {
      if (err instanceof CliError) return reply.code(404).type('text/plain; charset=utf-8').send(err.message);
      if (isTemporalUnreachable(err)) return reply.code(503).type('text/plain; charset=utf-8').send(unreachableText(err));
      throw err;
    }
  });

  // Live status: the view's content again whenever it changes, and whether Temporal answers.
  app.get<{ Querystring: { view?: string } }>('/events', async (req, reply) => {
    const view = req.query.view ?? '';
    if (!/^(inbox|tenants|tenant:.+)$/.test(view)) return reply.code(400).send('view must be inbox, tenants or tenant:<id>');
    if (!req.consoleSession?.user) return reply.code(401).send('sign in first');
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let last = '';
    let reachable: boolean | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const tick = async () => {
      if (closed) return;
      const { session } = sessions.find(req.consoleSession?.id);
      if (!session?.user) {
        send('ended', {});
        out.end();
        return;
      }
      try {
        const { main } = await viewMain(view, req);
        if (reachable !== true) send('temporal', { ok: true });
        reachable = true;
        const digest = createHash('sha256').update(main.value).digest('hex');
        if (digest !== last) send('fragment', { html: main.value });
        last = digest;
      } catch (err) {
        if (reachable !== false) send('temporal', { ok: false, message: isTemporalUnreachable(err) ? unreachableText(err) : `The console could not read this page: ${(err as Error).message}` });
        reachable = false;
      }
      if (!closed) timer = setTimeout(() => void tick(), LIVE_EVERY_MS);
    };
    req.raw.on('close', () => {
      closed = true;
      if (timer) clearTimeout(timer);
    });
    void tick();
  });

  app.get<{ Querystring: { returnTo?: string } }>('/login', async (req, reply) => {
    const returnTo = safeReturn(req.query.returnTo);
    const session = req.consoleSession ?? sessions.create();
    try {
      const { url: authorizeUrl, pending } = await signIn.start(returnTo);
      session.pendingLogin = { ...pending, url: authorizeUrl };
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      return sendPage(req, reply, 'Sign-in unavailable', messageMain('Sign-in is unavailable', `${err.message}. Try again in a moment.`), undefined, { status: 503 });
    }
    setSessionCookie(reply, session);
    return reply.redirect(session.pendingLogin!.url!, 303);
  });

  app.get('/callback', async (req, reply) => {
    const session = req.consoleSession;
    const pending = session?.pendingLogin;
    if (!session || !pending) {
      return sendPage(req, reply, 'Sign-in failed', messageMain('Sign-in failed', 'This sign-in was not started here, or it took too long: start again.', html`<p><a href="/login">Sign in with Okta</a></p>`), undefined, { status: 400 });
    }
    session.pendingLogin = undefined;
    try {
      const user = await signIn.finish(new URL(req.url, url), pending);
      const renewed = sessions.rotate({ ...session, user });
      setSessionCookie(reply, renewed);
      return reply.redirect(pending.returnTo, 303);
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      return sendPage(req, reply, 'Sign-in failed', messageMain('Sign-in failed', `Okta did not sign you in: ${err.message}`, html`<p><a href="/login">Try again</a></p>`), undefined, { status: 401 });
    }
  });

  /** Refuses a state-changing post without this session's CSRF token; the answer says why. */
  const refusePost = (req: FastifyRequest<{ Body: Record<string, string | undefined> }>, reply: FastifyReply): boolean => {
    if (!req.consoleSession) {
      const text = req.sessionEnded ? 'Your session has ended (expired or signed out): sign in again. Nothing was approved.' : 'You are not signed in: sign in first. Nothing was approved.';
      void sendPage(req, reply, 'Session ended', messageMain('Sign in again', text, html`<p><a id="sign-in-again" href="/login">Sign in with Okta</a></p>`), undefined, { status: 401 });
      return true;
    }
    if (!csrfMatches(req.consoleSession, req.body?.csrf)) {
      void sendPage(req, reply, 'Refused', messageMain('Refused', 'This form was not sent from a page of this console (its CSRF token is missing or wrong): nothing was done. Reload the page and try again.'), undefined, { status: 403 });
      return true;
    }
    return false;
  };

  app.post<{ Body: Record<string, string | undefined> }>('/logout', async (req, reply) => {
    if (refusePost(req, reply)) return reply;
    sessions.destroy(req.consoleSession!.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return sendPage(Object.assign(req, { consoleSession: undefined }), reply, 'Signed out', messageMain('Signed out', 'You are signed out of the console (your Okta session may still be open).', html`<p><a href="/login">Sign in again</a></p>`));
  });

  app.post<{ Body: Record<string, string | undefined> }>('/decide', async (req, reply) => {
    if (refusePost(req, reply)) return reply;
    const session = req.consoleSession!;
    const back = safeReturn(req.body.returnTo ?? (req.headers.referer ? new URL(req.headers.referer, url).pathname : '/inbox'));
    // Post-redirect-get with the answer as the next page's message; a refusal of the post itself is its own page.
    const answer = (kind: 'ok' | 'error', text: string, status = 303) => {
      if (status === 303) {
        session.flash = { kind, text };
        return reply.redirect(back, 303);
      }
      return sendPage(req, reply, 'Refused', messageMain('Refused', text, html`<p><a href="${back}">Back</a></p>`), undefined, { status });
    };
    if (!session.user) return answer('error', 'Sign in before you approve. Nothing was approved.', 401);
    if (!session.user.canApprove) return answer('error', `You are signed in as ${session.user.displayName}, who is not in the Okta group ${config.approversGroup}: only its members approve. Nothing was approved.`, 403);
    const decision = req.body.decision;
    const key = req.body.key ?? '';
    if (decision !== 'approve' && decision !== 'reject') return answer('error', 'The form said neither approve nor reject. Nothing was done.', 400);
    try {
      splitKey(key);
    } catch (err) {
      if (err instanceof BadDecision) return answer('error', `${err.message} Nothing was done.`, 400);
      throw err;
    }
    // A second post of the same pause while the first is with the workflow is told so; the
    // workflow refuses a second approval anyway (once approved, it says by whom).
    if (deciding.has(key)) return answer('error', 'This item is being decided right now (a second click?): its first decision is with the workflow; nothing more was sent.');
    deciding.add(key);
    try {
      const outcome = await withTemporal(temporal, DECIDE_DEADLINE_MS, (client) => decide(client, { key, decision, note: req.body.note?.trim() || undefined }, session.user!));
      return answer(outcome.ok ? 'ok' : 'error', outcome.message);
    } catch (err) {
      if (err instanceof CliError) return answer('error', `Not ${decision === 'approve' ? 'approved' : 'rejected'}: ${err.message}`);
      if (isTemporalUnreachable(err)) return answer('error', `${unreachableText(err)} The decision may not have reached the workflow: the inbox shows where it stands once Temporal answers.`);
      return answer('error', `Not ${decision === 'approve' ? 'approved' : 'rejected'}: ${(err as Error).message}`);
    } finally {
      deciding.delete(key);
    }
  });

  await app.listen({ host: config.host, port: config.port });
  return { url, app, close: () => app.close() };
}

/** Only a path of this console: a returnTo of another origin would make sign-in an open redirect. */
function safeReturn(path: string | undefined): string {
  return path && /^\/(?!\/)[^\s\\]*$/.test(path) ? path : '/inbox';
}
