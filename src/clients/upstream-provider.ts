import type { Dispatcher } from 'undici';
import { ExternalApiError } from './errors';
import { send } from './http';
import { readRetryPolicy, retryRead } from './read-retry';

/*
 * Creating or changing a client provider makes Anypoint call the OpenID provider (its discovery
 * document; the registration URL). When that call fails, Anypoint answers 400 "Invalid OIDC
 * provider issuer provided" / "…client registration URL provided", which reads like bad input but
 * is often a provider that failed once. Before blaming the tenant file, the worker asks the
 * provider itself: if it answers now, the refusal was transient and the step is retried (a few
 * times); if not, the provider is the cause, and the error says so with its URL.
 */

/**
 * Anypoint's words when its call to the OpenID provider failed. When the provider answered and
 * refused (a registration header it does not accept), Anypoint adds the provider's own words after
 * a colon: that refusal says what is wrong and is left as it is.
 */
const UPSTREAM_REFUSAL = /Invalid OIDC provider (issuer|client registration URL) provided(?!\s*:)/i;

/**
 * Attempts of the step after such a refusal: enough for a provider that failed once, few enough
 * that a provider which is down (or answers the worker but not Anypoint) fails the run in seconds.
 */
export const UPSTREAM_REFUSAL_ATTEMPTS = 4;

export interface UpstreamProvider {
  issuer: string;
  registerUrl?: string;
}

/** Which of the provider's URLs Anypoint's 400 names, or undefined when the 400 is about something else. */
export function upstreamRefusal(err: unknown): 'issuer' | 'registration' | undefined {
  if (!(err instanceof ExternalApiError) || err.system !== 'anypoint' || err.status !== 400) return undefined;
  const match = UPSTREAM_REFUSAL.exec(err.message);
  if (!match) return undefined;
  return match[1].toLowerCase() === 'issuer' ? 'issuer' : 'registration';
}

/** Why the provider does not answer the worker, or undefined when it does. */
async function providerProblem(url: string, kind: 'issuer' | 'registration', dispatcher: Dispatcher, timeoutMs: number): Promise<{ problem: string; transient: boolean } | undefined> {
  try {
    const res = await retryRead(async () => {
      const r = await send({ method: 'GET', url, headers: { accept: 'application/json' }, timeoutMs, dispatcher }, { system: 'anypoint', operation: 'check the OpenID provider' });
      if (r.status >= 500) throw new ExternalApiError({ system: 'anypoint', kind: 'server', operation: 'check the OpenID provider', status: r.status, detail: `HTTP ${r.status}`, fix: '' });
      return r;
    }, readRetryPolicy({}));
    // RFC 7591 defines only POST on a registration endpoint: any answer to a GET shows it is reachable.
    if (kind === 'registration') return undefined;
    const issuer = (res.json as { issuer?: unknown } | undefined)?.issuer;
    if (res.status !== 200 || typeof issuer !== 'string') return { problem: `it answered HTTP ${res.status} without a discovery document`, transient: false };
    return undefined;
  } catch (err) {
    if (err instanceof ExternalApiError) return { problem: err.kind === 'server' ? `it answered ${err.status ? `HTTP ${err.status}` : 'with a server error'}` : err.message.replace(/^Anypoint: check the OpenID provider failed[^:]*: /, ''), transient: true };
    throw err;
  }
}

/**
 * The error to report for Anypoint's refusal `err` of a client provider naming `provider`: the
 * provider as the cause when it does not answer the worker either, else a retryable refusal that
 * the activity retries a bounded number of times.
 */
export async function blameUpstreamProvider(err: ExternalApiError, provider: UpstreamProvider, dispatcher: Dispatcher, timeoutMs: number): Promise<ExternalApiError> {
  const which = upstreamRefusal(err);
  if (!which) return err;
  const url = which === 'issuer' || !provider.registerUrl ? `${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` : provider.registerUrl;
  const problem = await providerProblem(url, which, dispatcher, timeoutMs);
  if (problem) {
    return new ExternalApiError({
      system: 'anypoint',
      kind: problem.transient ? 'server' : 'validation',
      operation: err.operation,
      status: err.status,
      code: 'UPSTREAM_PROVIDER',
      detail: `Anypoint could not use the OpenID provider, and ${url} does not answer the worker either: ${problem.problem}`,
      fix: problem.transient
        ? `The OpenID provider at ${url} is the cause, not the tenant file: check that it is up and reachable (the step is tried ${UPSTREAM_REFUSAL_ATTEMPTS} times).`
        : `The OpenID provider at ${url} serves no discovery document: check the issuer (the Okta authorization server) exists and is active.`,
      attemptLimit: UPSTREAM_REFUSAL_ATTEMPTS,
    });
  }
  return new ExternalApiError({
    system: 'anypoint',
    kind: 'server',
    operation: err.operation,
    status: err.status,
    code: 'UPSTREAM_PROVIDER_REFUSED',
    detail: `${err.message.replace(/^Anypoint: [^:]*: /, '')}; the OpenID provider answers the worker at ${url}, so Anypoint's call to it failed on the way`,
    fix: `Nothing to change in the tenant file (the step is tried ${UPSTREAM_REFUSAL_ATTEMPTS} times); if it keeps failing, make ${url} reachable from Anypoint's control plane (public DNS, firewall allow-list).`,
    attemptLimit: UPSTREAM_REFUSAL_ATTEMPTS,
  });
}
