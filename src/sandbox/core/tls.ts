import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/*
 * HTTPS for the sandboxes, with a certificate clients verify instead of skipping checks: a local CA
 * (kept in the state folder, so `NODE_EXTRA_CA_CERTS` keeps working across restarts) signs a server
 * certificate made at each start for localhost, 127.0.0.1, ::1 and any extra host names.
 */

/** What a TLS listener needs, and the CA file a client trusts. */
export interface SandboxTls {
  key: string;
  cert: string;
  /** PEM of the CA that signed `cert`: what `NODE_EXTRA_CA_CERTS` points at. */
  caFile: string;
  /** Names and addresses the server certificate is valid for. */
  hostnames: string[];
}

export interface SandboxTlsOptions {
  /** Folder for the CA (`sandbox-ca.pem`, `sandbox-ca.key`, mode 0600). */
  dir: string;
  /** Host names beyond localhost, 127.0.0.1 and ::1. */
  extraHostnames?: string[];
}

export const CA_CERT_FILE = 'sandbox-ca.pem';
export const CA_KEY_FILE = 'sandbox-ca.key';
const DAY_MS = 24 * 3600 * 1000;
const BASE_HOSTNAMES = ['localhost', '127.0.0.1', '::1'];

const isIp = (name: string) => /^[0-9.]+$/.test(name) || name.includes(':');

interface CaPair {
  key: string;
  cert: string;
}

/** The CA in `dir`, or a new one when it is missing or expires within a day. */
async function loadOrCreateCa(dir: string): Promise<CaPair> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const validTo = Date.parse(new X509Certificate(cert).validTo);
    if (validTo - Date.now() > DAY_MS) return { key: readFileSync(keyPath, 'utf8'), cert };
  }
  const now = new Date();
  const ca = await generate([{ name: 'commonName', value: 'Okta-Anypoint sandbox local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 825 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyPath, ca.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, ca.cert);
  return { key: ca.private, cert: ca.cert };
}

/** A server certificate for the sandboxes, signed by the local CA of `opts.dir`. */
export async function prepareSandboxTls(opts: SandboxTlsOptions): Promise<SandboxTls> {
  const ca = await loadOrCreateCa(opts.dir);
  const hostnames = [...new Set([...BASE_HOSTNAMES, ...(opts.extraHostnames ?? [])])];
  const now = new Date();
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    // Well under the 398 days clients accept for a server certificate; a restart makes a new one.
    notAfterDate: new Date(now.getTime() + 90 * DAY_MS),
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hostnames.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    ],
  });
  return { key: server.private, cert: server.cert, caFile: join(opts.dir, CA_CERT_FILE), hostnames };
}
