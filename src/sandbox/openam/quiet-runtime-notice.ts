/*
 * oidc-provider 9 prints "Unsupported runtime" on every Node release older than 22 LTS. The project supports
 * Node ≥ 20.18.1 and the features the emulator uses work there (its tests run on Node 20), so that one line
 * is dropped; every other warning of the library still shows. Imported before the library loads.
 */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime')) return;
  warn(...args);
};
