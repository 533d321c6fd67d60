import { z } from 'zod';

/*
 * The console's settings, from the environment (one schema, validated once at start). The Okta org
 * people sign in with is the console's own: it need not be a tenant's org.
 */

export const CONSOLE_DEFAULT_PORT = 8235;

const ConsoleEnv = z.object({
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(CONSOLE_DEFAULT_PORT),
  /** The URL people open (behind a proxy, the proxy's): the OIDC redirect URI is derived from it. */
  CONSOLE_PUBLIC_URL: z.url().optional(),
  CONSOLE_OIDC_ISSUER: z.url({ error: 'CONSOLE_OIDC_ISSUER must be the Okta authorization server URL, e.g. https://acme.okta.com/oauth2/default' }),
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1, 'CONSOLE_OIDC_CLIENT_ID must be the client id of the console\'s Okta OIDC web app'),
  CONSOLE_OIDC_CLIENT_SECRET: z.string().min(1, 'CONSOLE_OIDC_CLIENT_SECRET must be that app\'s client secret'),
  /** Members of this Okta group may approve; everyone else who can sign in reads. */
  CONSOLE_APPROVERS_GROUP: z.string().min(1).default('onboarding-approvers'),
  /** The ID token claim that lists the user's groups (an Okta groups claim on the authorization server). */
  CONSOLE_GROUPS_CLAIM: z.string().min(1).default('groups'),
  CONSOLE_SESSION_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  /** How long Okta's answer on a pause's assignments is shown before it is asked again (all pages share it). */
  CONSOLE_OKTA_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

export interface ConsoleConfig {
  host: string;
  port: number;
  publicUrl?: string;
  oidc: { issuer: string; clientId: string; clientSecret: string };
  approversGroup: string;
  groupsClaim: string;
  sessionMs: number;
  oktaCheckEveryMs: number;
}

export class ConsoleConfigError extends Error {}

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const parsed = ConsoleEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConsoleConfigError(`The console's configuration is incomplete:\n  ${lines.join('\n  ')}\nSee the README's "Web console" section.`);
  }
  const e = parsed.data;
  return {
    host: e.CONSOLE_HOST,
    port: e.CONSOLE_PORT,
    publicUrl: e.CONSOLE_PUBLIC_URL?.replace(/\/$/, ''),
    oidc: { issuer: e.CONSOLE_OIDC_ISSUER, clientId: e.CONSOLE_OIDC_CLIENT_ID, clientSecret: e.CONSOLE_OIDC_CLIENT_SECRET },
    approversGroup: e.CONSOLE_APPROVERS_GROUP,
    groupsClaim: e.CONSOLE_GROUPS_CLAIM,
    sessionMs: e.CONSOLE_SESSION_MINUTES * 60_000,
    oktaCheckEveryMs: e.CONSOLE_OKTA_CHECK_SECONDS * 1000,
  };
}
