/** A request as the policies see it: the path is relative to the proxy (`/planets`, not `/okta-solar-proxy/planets`). */
export interface GatewayRequest {
  applicationName: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /**
   * Set by an authentication policy that let the request through (OpenID Connect): what a later policy's
   * `#[authentication.…]` expression reads, e.g. the SLA-based rate limiting's client id.
   */
  authentication?: { clientId?: string; properties: Record<string, unknown> };
}

/** What a policy decides: let the request through (adding headers), or answer it. */
export type PolicyOutcome =
  | { kind: 'continue'; upstreamHeaders?: Record<string, string>; responseHeaders?: Record<string, string>; authentication?: GatewayRequest['authentication'] }
  | { kind: 'respond'; status: number; body: unknown; headers: Record<string, string> };

const quote = (s: string) => s.replace(/["\\]/g, "'");

/**
 * An OAuth-style refusal (RFC 6750 §3): JSON `{error, error_description}` and a `WWW-Authenticate: Bearer`
 * challenge naming the realm (the application name), the error and, for insufficient_scope, the scopes.
 * A request without any token gets a challenge without an error code, as RFC 6750 asks.
 */
export function refuse(req: GatewayRequest, status: number, error: string | undefined, description: string, scope?: string): PolicyOutcome {
  const parts = [`realm="${quote(req.applicationName)}"`];
  if (error) parts.push(`error="${error}"`, `error_description="${quote(description)}"`);
  if (scope) parts.push(`scope="${quote(scope)}"`);
  return {
    kind: 'respond',
    status,
    body: { error: error ?? 'unauthorized', error_description: description },
    headers: { 'www-authenticate': `Bearer ${parts.join(', ')}` },
  };
}
