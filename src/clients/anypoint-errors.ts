import { DEFAULT_FIXES, ExternalApiError, headerLookup, kindOfStatus, retryAfterMs, type ApiErrorKind } from './errors';
import { bodySnippet, type HttpResponse } from './http';

/*
 * Anypoint's products answer errors in several shapes (`message`, `errors[].message`, `error`,
 * `name`, plain text, nothing at all); they are read leniently and classified by status.
 */

export const ANYPOINT_RATE_LIMIT_RESET = 'x-ratelimit-reset';

/** The platform area a call belongs to: it decides which connected-app scopes a 403 asks for. */
export type AnypointArea = 'token' | 'identity' | 'environments' | 'clientProviders' | 'identityProviders' | 'exchange' | 'apiManager' | 'proxies' | 'policies' | 'contracts' | 'clientApplications';

/** Connected-app scopes per area (mulesoft/terraform-provider-anypoint internal/constants/scopes.go). */
export const CONNECTED_APP_SCOPES: Record<AnypointArea, string> = {
  token: '',
  identity: 'profile',
  environments: 'read:orgenvironments or view:environment',
  clientProviders: 'admin:orgclientproviders and read:orgclientproviders',
  identityProviders: 'manage:identityproviders and view:identityproviders',
  exchange: 'read:exchange and create:exchange (or manage:exchange)',
  apiManager: 'manage:api_configuration and read:api_configuration',
  proxies: 'manage:api_proxies',
  policies: 'manage:api_policies and read:api_policies',
  contracts: 'manage:api_contracts and read:api_contracts',
  clientApplications: 'create:client_applications and read:client_applications',
};

export interface AnypointErrorContext {
  operation: string;
  area: AnypointArea;
  secrets?: readonly (string | undefined)[];
  fixes?: Partial<Record<ApiErrorKind, string>>;
  now?: number;
}

interface AnypointBody {
  message?: unknown;
  errors?: unknown;
  error?: unknown;
  error_description?: unknown;
  name?: unknown;
  errorCode?: unknown;
  status?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The readable message of any Anypoint error body: `message`, `errors[].message`, `error`, or the text itself. */
export function anypointMessage(res: Pick<HttpResponse, 'json' | 'text'>): string {
  const body = res.json;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as AnypointBody;
    const nested = Array.isArray(b.errors) ? b.errors.map((e) => (typeof e === 'string' ? e : str((e as { message?: unknown })?.message))).filter(Boolean) : [];
    const errorObject = b.error && typeof b.error === 'object' ? str((b.error as { message?: unknown }).message) : undefined;
    const parts = [str(b.message), ...nested, errorObject ?? str(b.error), str(b.error_description)].filter((p): p is string => !!p);
    const unique = parts.filter((p, i) => parts.indexOf(p) === i);
    if (unique.length > 0) return unique.join(' — ');
    if (str(b.name)) return str(b.name)!;
  }
  return bodySnippet(res.text) || '';
}

function codeOf(res: HttpResponse): string | undefined {
  const body = res.json;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as AnypointBody;
  const first = Array.isArray(b.errors) ? (b.errors[0] as { errorCode?: unknown } | undefined) : undefined;
  return str(b.errorCode) ?? str(first?.errorCode) ?? (typeof b.error === 'string' ? str(b.error) : undefined) ?? str(b.name);
}

export function anypointErrorFromResponse(res: HttpResponse, ctx: AnypointErrorContext): ExternalApiError {
  const header = headerLookup(res.headers);
  const code = codeOf(res);
  let kind = kindOfStatus(res.status);
  // A Flex gateway still starting: the same request succeeds a little later.
  if (res.status === 400 && /GatewayNotReady/i.test(`${code ?? ''} ${res.text}`)) kind = 'server';
  return new ExternalApiError({
    system: 'anypoint',
    kind,
    operation: ctx.operation,
    detail: anypointMessage(res) || `HTTP ${res.status}`,
    fix: ctx.fixes?.[kind] ?? fixFor(kind, ctx.area),
    status: res.status,
    code,
    retryAfterMs: kind === 'rate_limited' || res.status === 503 ? retryAfterMs(header, ANYPOINT_RATE_LIMIT_RESET, ctx.now) : undefined,
    requestId: header('x-request-id') ?? header('x-correlation-id'),
    secrets: ctx.secrets,
  });
}

function fixFor(kind: ApiErrorKind, area: AnypointArea): string {
  switch (kind) {
    case 'auth':
      return area === 'token'
        ? 'Check the connected app referenced by anypoint.connectedApp (clientId and clientSecret): it may be deleted, its secret rotated, or it may not use client credentials.'
        : 'Anypoint refused even a fresh connected-app token: check that the connected app still exists and acts on its own behalf (client credentials).';
    case 'forbidden':
      return area === 'token'
        ? DEFAULT_FIXES.forbidden
        : `Give the connected app the scope(s) ${CONNECTED_APP_SCOPES[area]} in Access Management > Connected Apps, for this organization and environment.`;
    case 'validation':
      return 'Anypoint rejected the request: correct the value named in the message in the tenant file (anypoint.*), then start the onboarding again.';
    default:
      return DEFAULT_FIXES[kind];
  }
}
