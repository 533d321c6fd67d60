import { startSandbox, type RunningSandbox, type SandboxOptions } from '../core';
import { openAmUrls, type OpenAmUrls } from './paths';
import { createOpenAmProvider } from './provider';
import { newSeed } from './seed';
import { openAmService, type ProviderSlot } from './service';
import type { OpenAmState } from './state';

export interface OpenAmServerOptions extends SandboxOptions {
  /** Realm name. @default 'solar' (a persisted state keeps its own) */
  realm?: string;
  /** Initial access token for registration. @default env OPENAM_SANDBOX_INITIAL_ACCESS_TOKEN, else the persisted one, else random */
  initialAccessToken?: string;
  /** The realm's scopes beyond OpenID's. @default ['silver', 'gold'] (a persisted state keeps its own) */
  scopes?: string[];
}

/** What a started OpenAM emulator tells its caller. */
export interface OpenAmSandboxInfo {
  url: string;
  realm: string;
  urls: OpenAmUrls;
  initialAccessToken: string;
  introspectionClient: { clientId: string; clientSecret: string };
}

/**
 * Runs the OpenAM emulator in this process. It loads oidc-provider, an ES module, which jest's CommonJS
 * runtime cannot load: use {@link startOpenAmSandbox} from './index', which runs this in a child process.
 * With `stateDir` the realm (token, clients, tokens, keys) survives restarts; a configured token wins over a
 * persisted one, like the Okta emulator's API token.
 */
export async function runOpenAmSandbox(opts: OpenAmServerOptions = {}): Promise<{ sandbox: RunningSandbox<OpenAmState>; info: OpenAmSandboxInfo }> {
  const configured = opts.initialAccessToken ?? (process.env.OPENAM_SANDBOX_INITIAL_ACCESS_TOKEN || undefined);
  const seed = newSeed({ realm: opts.realm, initialAccessToken: configured, scopes: opts.scopes });
  const slot: ProviderSlot = {};
  const sandbox = await startSandbox(openAmService(seed, slot), opts);
  const state = sandbox.ctx.state;
  if (state.realm !== seed.realm) throw new Error(`The state in ${opts.stateDir} is realm ${state.realm}, not ${seed.realm}; use another --state-dir`);
  if (configured) state.initialAccessToken = configured;
  // Written at once, not at the first registration: the token is then the same after a restart (an Anypoint
  // client provider configured with it keeps working) and can be read from `{stateDir}/openam.json`.
  sandbox.ctx.store.persist();
  // A persisted state keeps its identity, so a reset after a restart reseeds the same realm.
  Object.assign(seed, { initialAccessToken: state.initialAccessToken, introspectionClient: state.introspectionClient, signingKey: state.signingKey, cookieKeys: state.cookieKeys, scopes: state.scopes });
  const urls = openAmUrls(sandbox.url, state.realm);
  slot.provider = createOpenAmProvider(sandbox.ctx, urls.issuer);
  return {
    sandbox,
    info: { url: sandbox.url, realm: state.realm, urls, initialAccessToken: state.initialAccessToken, introspectionClient: { ...state.introspectionClient } },
  };
}
