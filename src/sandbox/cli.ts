import { sandboxSecretEnv } from './tenant';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../logging';
import { prepareSandboxTls, type SandboxTls } from './core';
import { addConsumerCommands } from './consumer-commands';
import { ANYPOINT_TLS_HOSTNAMES, DEFAULT_PORTS, startAllSandboxes } from './index';

/*
 * `npm run sandbox`: brings up Okta, Anypoint, OpenAM, the solar-system upstream and the gateway on
 * 127.0.0.1, prints every URL and the seeded credentials, and stops cleanly on Ctrl-C or SIGTERM.
 * `--no-openam` leaves the OpenAM emulator out. `request-access` and `delete-application` act as a consumer
 * on the running sandboxes (consumer-commands.ts).
 */

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return n;
};

const program = new Command()
  .name('sandbox')
  .description('Run the local Okta, Anypoint Platform and OpenAM emulators, the solar-system upstream and the API gateway')
  .option('--okta-port <port>', 'Okta emulator port', port, DEFAULT_PORTS.okta)
  .option('--anypoint-port <port>', 'Anypoint emulator port', port, DEFAULT_PORTS.anypoint)
  .option('--upstream-port <port>', 'solar-system upstream port', port, DEFAULT_PORTS.upstream)
  .option('--gateway-port <port>', 'API gateway port', port, DEFAULT_PORTS.gateway)
  .option('--openam-port <port>', 'OpenAM emulator port', port, DEFAULT_PORTS.openam)
  .option('--no-openam', 'do not start the OpenAM emulator')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--state-dir <dir>', 'keep state in this folder across restarts (in memory when omitted)')
  .option('--profile <profile>', 'rate limits: developer (as the real platforms announce them) or unlimited', 'unlimited')
  .option('--tls', 'serve Anypoint over HTTPS, with a certificate signed by a local CA (written to the state folder)', false)
  .option('--tls-hostname <name...>', `more names for the Anypoint certificate (always: localhost, 127.0.0.1, ${ANYPOINT_TLS_HOSTNAMES.join(', ')})`, [])
  .action(async (o: { oktaPort: number; anypointPort: number; upstreamPort: number; gatewayPort: number; openamPort: number; openam: boolean; host: string; stateDir?: string; profile: string; tls: boolean; tlsHostname: string[] }) => {
    if (!['developer', 'unlimited'].includes(o.profile)) {
      console.error(`--profile must be developer or unlimited, got ${o.profile}`);
      process.exit(2);
    }
    let all;
    let tls: SandboxTls | undefined;
    try {
      // In memory, the CA still needs a home that outlives the run, so a client's NODE_EXTRA_CA_CERTS stays valid.
      if (o.tls) tls = await prepareSandboxTls({ dir: resolve(o.stateDir ?? join(tmpdir(), 'okta-anypoint-sandbox')), extraHostnames: [...ANYPOINT_TLS_HOSTNAMES, ...o.tlsHostname] });
      all = await startAllSandboxes({
        // One line per request on stderr (LOG_LEVEL=warn quiets them; LOG_FORMAT=json for a machine).
        logger: createLogger({ name: 'sandbox' }),
        host: o.host,
        stateDir: o.stateDir,
        anypointTls: tls,
        rateLimitProfile: o.profile,
        ports: { okta: o.oktaPort, anypoint: o.anypointPort, upstream: o.upstreamPort, gateway: o.gatewayPort, openam: o.openamPort },
        openam: o.openam,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      console.error(e.code === 'EADDRINUSE' ? `A port is already in use (${e.message}). Stop the other process or pick ports with --okta-port, --anypoint-port, --upstream-port, --gateway-port, --openam-port.` : e.message);
      process.exit(1);
    }
    const lines = [
      'Sandboxes are up.',
      '',
      `Okta                 ${all.okta.url}`,
      `  API token          ${all.okta.apiToken}      (Authorization: SSWS <token>)`,
      `  admin user         ${all.okta.adminUserLogin}`,
      `Anypoint Platform    ${all.anypoint.url}`,
      `  organization id    ${all.anypoint.orgId}   (domain ${all.anypoint.orgDomain}, SSO at ${all.anypoint.url}/accounts/login/${all.anypoint.orgDomain})`,
      `  environments       Sandbox ${all.anypoint.environments.Sandbox}, Production ${all.anypoint.environments.Production}`,
      `  connected app      id ${all.anypoint.connectedApp.clientId}  secret ${all.anypoint.connectedApp.clientSecret}`,
      ...(tls
        ? [
            `  TLS                certificate for ${tls.hostnames.join(', ')}`,
            `  CA file            ${tls.caFile}   (trust it: export NODE_EXTRA_CA_CERTS=${tls.caFile})`,
            `  anypoint-cli       ANYPOINT_HOST=${ANYPOINT_TLS_HOSTNAMES[0]}:${new URL(all.anypoint.url).port} (map ${ANYPOINT_TLS_HOSTNAMES[0]} to 127.0.0.1 in /etc/hosts; see the README)`,
          ]
        : []),
      ...(all.openam
        ? [
            `OpenAM               ${all.openam.issuer}   (realm ${all.openam.realm}; issuer + /connect/register, /authorize, /access_token, /introspect)`,
            `  initial access     ${all.openam.initialAccessToken}      (Authorization: Bearer <token>, for registration)`,
            `  introspection      id ${all.openam.introspectionClient.clientId}  secret ${all.openam.introspectionClient.clientSecret}`,
          ]
        : []),
      `Solar-system API     ${all.upstream.url}   (/planets, /moons)`,
      `API gateway          ${all.gateway.url}/{applicationName}   (stands in for {applicationName}.cloudhub.io)`,
      '',
      `Admin API            ${[all.admin.okta, all.admin.anypoint, all.admin.upstream, all.admin.gateway, ...(all.admin.openam ? [all.admin.openam] : [])].join(', ')}`,
      `                     (GET state, POST reset, GET requests, POST/DELETE faults)`,
      `State                ${o.stateDir ? `kept in ${o.stateDir}` : 'in memory (use --state-dir to keep it)'}; rate limits: ${o.profile}`,
      '',
      'Export in the terminal of the worker (npm run dev / npm run worker), which resolves the tenant file\'s secrets; the CLI needs them only for credentials:',
      ...Object.entries(sandboxSecretEnv(all)).map(([name, value]) => `  export ${name}=${value}`),
      '',
      'Ctrl-C stops everything.',
    ];
    console.log(lines.join('\n'));
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping the sandboxes…`);
      await all.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });

addConsumerCommands(program);

program.parseAsync(process.argv).catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
