import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { OpenAmState, OpenAmUser } from './state';

/** The realm a fresh sandbox serves; OpenAM names realms under the root realm (`/realms/root/realms/{realm}`). */
export const DEFAULT_REALM = 'solar';

/** The solar-system tenant's scopes (examples/solar-system.tenant.yaml). */
export const DEFAULT_SCOPES = ['silver', 'gold'];

export const SEEDED_USERS: Record<string, OpenAmUser> = {
  'ada@example.com': { email: 'ada@example.com', given_name: 'Ada', family_name: 'Lovelace' },
  'grace@example.com': { email: 'grace@example.com', given_name: 'Grace', family_name: 'Hopper' },
};

/** The identity a reset reseeds: the same realm, token, introspection client and keys, so callers keep working. */
export interface OpenAmSeed {
  realm: string;
  initialAccessToken: string;
  introspectionClient: { clientId: string; clientSecret: string };
  signingKey: Record<string, unknown>;
  cookieKeys: string[];
  scopes: string[];
}

const random = (bytes: number) => randomBytes(bytes).toString('base64url');

export function newSeed(opts: { realm?: string; initialAccessToken?: string; scopes?: string[] } = {}): OpenAmSeed {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    realm: opts.realm ?? DEFAULT_REALM,
    initialAccessToken: opts.initialAccessToken ?? random(32),
    introspectionClient: { clientId: 'anypoint-introspection', clientSecret: random(32) },
    signingKey: { ...privateKey.export({ format: 'jwk' }), kid: random(8), alg: 'RS256', use: 'sig' },
    cookieKeys: [random(32)],
    scopes: opts.scopes ?? DEFAULT_SCOPES,
  };
}

export function seedState(seed: OpenAmSeed): OpenAmState {
  return {
    realm: seed.realm,
    initialAccessToken: seed.initialAccessToken,
    introspectionClient: { ...seed.introspectionClient },
    signingKey: { ...seed.signingKey },
    cookieKeys: [...seed.cookieKeys],
    scopes: [...seed.scopes],
    users: structuredClone(SEEDED_USERS),
    models: {},
  };
}
