import { startSandbox, type RunningSandbox, type SandboxOptions } from '../core';
import { ADMIN_LOGIN, newSeed } from './seed';
import { oktaService } from './service';
import type { OktaState } from './state';

export type { OktaState } from './state';
export { oktaService } from './service';
export { ADMIN_LOGIN, SEEDED_USERS } from './seed';
export { developerProfile as oktaDeveloperRateLimits } from './rate-limits';

export interface OktaSandboxOptions extends SandboxOptions {
  /** SSWS API token of the seeded admin. @default env OKTA_SANDBOX_API_TOKEN, else the persisted one, else random */
  apiToken?: string;
}

export interface OktaSandbox extends RunningSandbox<OktaState> {
  /** The SSWS token clients send as `Authorization: SSWS <apiToken>`. */
  apiToken: string;
  /** Login of the seeded admin user, the token's owner (`GET /api/v1/users/me`). */
  adminUserLogin: string;
}

/**
 * Starts the Okta emulator (management API, DCR, custom authorization servers) in-process; `port: 0`
 * (the default) picks a free port. With `stateDir` the org survives restarts; an admin reset reseeds the
 * same token and org id. A configured token (option or env) always wins over a persisted one.
 */
export async function startOktaSandbox(opts: OktaSandboxOptions = {}): Promise<OktaSandbox> {
  const configured = opts.apiToken ?? (process.env.OKTA_SANDBOX_API_TOKEN || undefined);
  const seed = newSeed(configured);
  const sandbox = await startSandbox(oktaService(seed), opts);
  const state = sandbox.ctx.state;
  const owner = state.apiTokens[0];
  // A persisted state keeps its identity, so a reset after a restart reseeds the same org.
  seed.orgId = state.org.id;
  if (configured && owner && owner.token !== configured) {
    owner.token = configured;
    sandbox.ctx.store.persist();
  }
  seed.apiToken = owner?.token ?? seed.apiToken;
  return Object.assign(sandbox, { apiToken: seed.apiToken, adminUserLogin: ADMIN_LOGIN });
}
