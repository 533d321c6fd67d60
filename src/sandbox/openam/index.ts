import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SandboxAdminClient } from '../core';
import type { OpenAmSandboxInfo, OpenAmServerOptions } from './server';

export { openAmUrls, realmBasePath, OPENAM_ROUTES, LOGIN_PATH, type OpenAmUrls } from './paths';
export { DEFAULT_REALM, SEEDED_USERS } from './seed';
export type { OpenAmState } from './state';
export type { OpenAmSandboxInfo } from './server';

export type OpenAmSandboxOptions = OpenAmServerOptions;

export interface OpenAmSandbox extends OpenAmSandboxInfo {
  /** The issuer, `{url}/openam/oauth2/realms/root/realms/{realm}` (also `urls.issuer`). */
  issuer: string;
  /** The header Anypoint's client provider sends at registration: `Bearer <initialAccessToken>`. */
  registrationAuthorization: string;
  /** The kit's admin API (`/__sandbox`: state, reset, request log, faults). */
  admin: SandboxAdminClient;
  close(): Promise<void>;
}

const CHILD = join(__dirname, 'child.ts');
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Starts the OpenAM emulator (oidc-provider configured as an OpenAM realm) in a child process and resolves
 * once it listens; `port: 0` (the default) picks a free port. A child process because oidc-provider is an ES
 * module that jest's CommonJS runtime cannot load; the child runs the TypeScript through tsx and stops with
 * its parent. A busy port rejects with an error whose `code` is `EADDRINUSE`, as the in-process sandboxes do.
 */
export function startOpenAmSandbox(opts: OpenAmSandboxOptions = {}): Promise<OpenAmSandbox> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<OpenAmSandbox>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`The OpenAM sandbox did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)), STARTUP_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`The OpenAM sandbox exited during start (code ${code})`)));
    child.on('message', (message: { type: string; info?: OpenAmSandboxInfo; message?: string; code?: string }) => {
      if (message.type === 'failed') return fail(Object.assign(new Error(message.message), { code: message.code }));
      if (message.type !== 'ready' || !message.info) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const info = message.info;
      resolve({
        ...info,
        issuer: info.urls.issuer,
        registrationAuthorization: `Bearer ${info.initialAccessToken}`,
        admin: new SandboxAdminClient(info.url),
        close: () => stopChild(child),
      });
    });
    child.send({ type: 'start', options: opts });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGTERM');
  });
}
