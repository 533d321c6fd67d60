// Verifies a JWT with jose against a remote JWKS, outside jest: jose 6 is ESM-only and the CommonJS
// test runner cannot load it on Node 20. Usage: node jose-verify.mjs <jwksUrl> <token> <issuer> <audience>
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, token, issuer, audience] = process.argv.slice(2);
try {
  const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), { issuer, audience });
  process.stdout.write(JSON.stringify({ ok: true, payload, protectedHeader }));
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, code: err.code, message: err.message }));
}
