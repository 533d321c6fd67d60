import type { AnypointState } from '../anypoint';
import type { ApiInstanceRecord, ClientApplicationRecord, ContractRecord } from '../anypoint/state';
import type { GatewayRequest, PolicyOutcome } from './outcome';

/*
 * How the policies that identify a client application (client ID enforcement, SLA-based rate limiting) read
 * its credentials: HTTP Basic (`httpBasicAuthenticationHeader`), or the DataWeave expressions of the
 * configuration, of which the sandbox understands `#[attributes.headers['name']]`,
 * `#[attributes.queryParams['name']]` and, after an OpenID Connect policy authenticated the request,
 * `#[authentication.properties['client_id']]` (or `.client_id`) and `#[authentication.clientId]`.
 */

export interface ClientCredentialsConfig {
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
  if (query) return req.query.get(query[1]) ?? undefined;
  if (/authentication\.clientId\b/.test(expression)) return req.authentication?.clientId;
  const property = /authentication\.properties(?:\[['"]([^'"]+)['"]\]|\.([A-Za-z_][\w]*))/.exec(expression);
  if (property) {
    const v = req.authentication?.properties[property[1] ?? property[2]];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

export function readClientCredentials(config: ClientCredentialsConfig, req: GatewayRequest): { clientId?: string; clientSecret?: string; secretRequired: boolean } {
  if (config.credentialsOriginHasHttpBasicAuthenticationHeader === 'httpBasicAuthenticationHeader') {
    const auth = typeof req.headers.authorization === 'string' ? /^basic\s+(.+)$/i.exec(req.headers.authorization.trim()) : null;
    if (!auth) return { secretRequired: true };
    const [clientId, ...rest] = Buffer.from(auth[1], 'base64').toString('utf8').split(':');
    return { clientId, clientSecret: rest.join(':'), secretRequired: true };
  }
  return { clientId: fromExpression(config.clientIdExpression, req), clientSecret: fromExpression(config.clientSecretExpression, req), secretRequired: !!config.clientSecretExpression };
}

/** The application with this client id and an APPROVED contract on the instance, with that contract. */
export function approvedContractOf(state: AnypointState, api: ApiInstanceRecord, clientId: string): { application: ClientApplicationRecord; contract: ContractRecord } | undefined {
  for (const contract of state.contracts) {
    if (contract.apiId !== api.id || contract.status !== 'APPROVED') continue;
    const application = state.applications.find((a) => a.id === contract.applicationId);
    if (application?.clientId === clientId) return { application, contract };
  }
  return undefined;
}

export function invalidClient(description: string): PolicyOutcome {
  return { kind: 'respond', status: 401, body: { error: 'invalid_client', error_description: description }, headers: {} };
}

/** The calling application's approved contract, or the 401 the client-identifying policies answer. */
export function identifyClient(state: AnypointState, api: ApiInstanceRecord, config: ClientCredentialsConfig, req: GatewayRequest): { application: ClientApplicationRecord; contract: ContractRecord } | { refusal: PolicyOutcome } {
  const { clientId, clientSecret, secretRequired } = readClientCredentials(config, req);
  if (!clientId) return { refusal: invalidClient('A client id is required to call this API') };
  const found = approvedContractOf(state, api, clientId);
  if (!found) return { refusal: invalidClient(`The client ${clientId} has no approved contract with this API`) };
  if (secretRequired && clientSecret !== found.application.clientSecret) return { refusal: invalidClient('Invalid client credentials') };
  return found;
}
