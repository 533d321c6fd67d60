import type { AnypointState } from '../anypoint';
import type { ApiInstanceRecord } from '../anypoint/state';
import { GatewayRequest, PolicyOutcome } from './outcome';

/*
 * The "Client ID enforcement" policy: the caller presents an application's client id (and secret),
 * from HTTP Basic (`httpBasicAuthenticationHeader`) or from the headers/query parameters its expressions
 * name (`#[attributes.headers['client_id']]`, `#[attributes.queryParams['client_id']]`). The application
 * must have an APPROVED contract with the instance. Failures answer 401 `{error:"invalid_client"}`.
 */

export interface ClientIdConfig {
  credentialsOriginHasHttpBasicAuthenticationHeader: string;
  clientIdExpression: string;
  clientSecretExpression?: string;
}

function fromExpression(expression: string | undefined, req: GatewayRequest): string | undefined {
  if (!expression) return undefined;
  const header = /attributes\.headers\[['"]([^'"]+)['"]\]/.exec(expression);
  if (header) {
    const v = req.headers[header[1].toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }
  const query = /attributes\.queryParams\[['"]([^'"]+)['"]\]/.exec(expression);
  return query ? (req.query.get(query[1]) ?? undefined) : undefined;
}

function invalidClient(description: string): PolicyOutcome {
  return { kind: 'respond', status: 401, body: { error: 'invalid_client', error_description: description }, headers: {} };
}

export function enforceClientId(state: AnypointState, api: ApiInstanceRecord, config: ClientIdConfig, req: GatewayRequest): PolicyOutcome {
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  if (config.credentialsOriginHasHttpBasicAuthenticationHeader === 'httpBasicAuthenticationHeader') {
    const auth = typeof req.headers.authorization === 'string' ? /^basic\s+(.+)$/i.exec(req.headers.authorization.trim()) : null;
    if (auth) {
      const [id, ...rest] = Buffer.from(auth[1], 'base64').toString('utf8').split(':');
      clientId = id;
      clientSecret = rest.join(':');
    }
  } else {
    clientId = fromExpression(config.clientIdExpression, req);
    clientSecret = fromExpression(config.clientSecretExpression, req);
  }
  if (!clientId) return invalidClient('A client id is required to call this API');
  const app = state.contracts
    .filter((c) => c.apiId === api.id && c.status === 'APPROVED')
    .map((c) => state.applications.find((a) => a.id === c.applicationId))
    .find((a) => a?.clientId === clientId);
  if (!app) return invalidClient(`The client ${clientId} has no approved contract with this API`);
  const secretRequired = config.credentialsOriginHasHttpBasicAuthenticationHeader === 'httpBasicAuthenticationHeader' || !!config.clientSecretExpression;
  if (secretRequired && clientSecret !== app.clientSecret) return invalidClient('Invalid client credentials');
  return { kind: 'continue' };
}
