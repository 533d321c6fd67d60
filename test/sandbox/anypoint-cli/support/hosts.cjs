/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, loaded with node --require. */
/*
 * Preloaded into the anypoint-cli process (NODE_OPTIONS=--require): the equivalent of an /etc/hosts line.
 * The CLI attaches its token only to host names containing "anypoint.mulesoft", and the tests cannot edit
 * the machine's hosts file, so the names in SANDBOX_HOSTS (comma-separated) resolve to 127.0.0.1 here.
 * Nothing else in the CLI is touched: its requests, TLS checks and certificate validation are its own.
 */
const dns = require('node:dns');

const names = new Set((process.env.SANDBOX_HOSTS || '').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean));
const original = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === 'string' && names.has(hostname.toLowerCase())) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return {};
  }
  return original.apply(this, arguments);
};
