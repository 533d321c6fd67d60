import type { AnypointState } from '../anypoint';
import type { ApiInstanceRecord } from '../anypoint/state';
import { ClientCredentialsConfig, identifyClient } from './client-credentials';
import type { GatewayRequest, PolicyOutcome } from './outcome';

/*
 * The "Client ID enforcement" policy: the caller presents an application's client id (and secret),
 * from HTTP Basic (`httpBasicAuthenticationHeader`) or from the headers/query parameters its expressions
 * name (`#[attributes.headers['client_id']]`, `#[attributes.queryParams['client_id']]`). The application
 * must have an APPROVED contract with the instance. Failures answer 401 `{error:"invalid_client"}`.
 */

export type ClientIdConfig = ClientCredentialsConfig;

export function enforceClientId(state: AnypointState, api: ApiInstanceRecord, config: ClientIdConfig, req: GatewayRequest): PolicyOutcome {
  const identified = identifyClient(state, api, config, req);
  return 'refusal' in identified ? identified.refusal : { kind: 'continue' };
}
