import { CONSOLE_DEFAULT_PORT, loadConsoleConfig, type ConsoleConfig } from './config';
import { DEMO_APPROVER, DEMO_VIEWER, ensureConsoleSignIn } from './okta-sign-in-setup';
import { startConsole, type RunningConsole } from './server';
import type { TemporalSource } from './temporal-access';

/*
 * How `npm run console`, `npm run dev` and the demo start the console: with CONSOLE_OIDC_* (any Okta
 * org), or on the Okta sandbox (CONSOLE_SANDBOX_OKTA_URL with its OKTA_API_TOKEN), where the console's
 * app, groups and the demo's approver and viewer are made first through the Okta API.
 */

/** Why the console was not started, for a process where it is optional (`npm run dev`). */
export class ConsoleNotConfigured extends Error {}

export async function consoleConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ConsoleConfig> {
  if (env.CONSOLE_OIDC_ISSUER) return loadConsoleConfig(env);
  const sandboxOkta = env.CONSOLE_SANDBOX_OKTA_URL;
  if (!sandboxOkta) throw new ConsoleNotConfigured('the console needs CONSOLE_OIDC_ISSUER, CONSOLE_OIDC_CLIENT_ID and CONSOLE_OIDC_CLIENT_SECRET (an Okta org), or CONSOLE_SANDBOX_OKTA_URL with OKTA_API_TOKEN (the Okta sandbox); see the README\'s "Web console".');
  if (!env.OKTA_API_TOKEN) throw new ConsoleNotConfigured('CONSOLE_SANDBOX_OKTA_URL needs OKTA_API_TOKEN (the export line `npm run sandbox` prints).');
  const port = Number(env.CONSOLE_PORT ?? CONSOLE_DEFAULT_PORT);
  const base = env.CONSOLE_PUBLIC_URL ?? `http://${env.CONSOLE_HOST ?? '127.0.0.1'}:${port}`;
  const oidc = await ensureConsoleSignIn({ orgUrl: sandboxOkta, apiToken: env.OKTA_API_TOKEN, redirectUri: `${base.replace(/\/$/, '')}/callback`, people: [DEMO_APPROVER, DEMO_VIEWER] });
  return loadConsoleConfig({ ...env, CONSOLE_OIDC_ISSUER: oidc.issuer, CONSOLE_OIDC_CLIENT_ID: oidc.clientId, CONSOLE_OIDC_CLIENT_SECRET: oidc.clientSecret });
}

/** What to tell people about signing in, without a secret: the sandbox's demo users have sandbox passwords. */
export function signInHint(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONSOLE_OIDC_ISSUER
    ? 'sign in with your Okta account'
    : `sign in as ${DEMO_APPROVER.login} / ${DEMO_APPROVER.password} (approver) or ${DEMO_VIEWER.login} / ${DEMO_VIEWER.password} (read-only)`;
}

export async function startConsoleFromEnv(temporal: TemporalSource, env: NodeJS.ProcessEnv = process.env): Promise<RunningConsole> {
  return startConsole({ config: await consoleConfigFromEnv(env), temporal });
}
