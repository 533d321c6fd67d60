import { Command, InvalidArgumentError } from 'commander';
import { SandboxAdminClient, SandboxAdminError } from './core';
import { DEFAULT_PORTS } from './index';

/*
 * `npm run sandbox -- request-access …` and `npm run sandbox -- delete-application …`: a consumer's side of
 * Exchange against a running Anypoint sandbox, through its admin calls (anypoint/consumers.ts). The client
 * secret is printed only with --show-secret, as Exchange shows it only to the application's owner on request.
 * Exit codes as the project's CLI: 0 ok, 1 unexpected, 2 bad input, 3 refused, 4 not found.
 */

interface AccessResponse {
  application: { id: number; name: string; clientId: string; clientSecret?: string; grantTypes: string[] };
  contract: { id: number; status: string; apiId: number; tier?: { name: string }; requestedTier?: { name: string } };
}

interface DeleteResponse {
  application: { id: number; name: string; clientId: string };
  deletedContracts: { id: number; apiId: number; status: string }[];
}

const positiveInteger = (value: string) => {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a number (an API instance or application id)');
  return Number(value);
};

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

function exitCodeFor(err: unknown): number {
  if (!(err instanceof SandboxAdminError)) return 1;
  if (err.status === 404) return 4;
  if (err.status === 400) return 2;
  return err.status === 409 ? 3 : 1;
}

function fail(err: unknown, json: boolean): never {
  const message = err instanceof SandboxAdminError ? ((err.body as { message?: string })?.message ?? String(err.body)) : (err as Error).message;
  const code = exitCodeFor(err);
  if (json) console.log(JSON.stringify({ error: message, ...(err instanceof SandboxAdminError ? { status: err.status } : {}) }));
  else console.error(code === 1 && !(err instanceof SandboxAdminError) ? `Cannot reach the Anypoint sandbox: ${message}` : message);
  process.exit(code);
}

const anypointUrlOption = ['--anypoint-url <url>', 'the running Anypoint sandbox', `http://127.0.0.1:${DEFAULT_PORTS.anypoint}`] as const;

export function addConsumerCommands(program: Command): void {
  program
    .command('request-access')
    .description("Request access to an API instance as a consumer does in Exchange: a new client application (registered at the instance's client provider) and its contract with a tier")
    .requiredOption('--api <id>', 'API instance id', positiveInteger)
    .requiredOption('--name <application>', 'name of the new client application')
    .option('--tier <tier>', 'SLA tier name or id (required when the instance has tiers)')
    .option('--grant-types <list>', 'comma-separated grant types', list, ['client_credentials'])
    .option('--redirect-uris <list>', 'comma-separated redirect URIs (authorization_code, implicit)', list, [])
    .option('--consumer <username>', 'the Anypoint user requesting (default: the org owner)')
    .option('--reason <text>', 'why access is requested')
    .option('--show-secret', 'also print the client secret', false)
    .option('--json', 'print JSON', false)
    .option(...anypointUrlOption)
    .action(async (o: { api: number; name: string; tier?: string; grantTypes: string[]; redirectUris: string[]; consumer?: string; reason?: string; showSecret: boolean; json: boolean; anypointUrl: string }) => {
      let res: AccessResponse;
      try {
        res = await new SandboxAdminClient(o.anypointUrl.replace(/\/$/, '')).post<AccessResponse>('/consumers/request-access', {
          apiId: o.api,
          applicationName: o.name,
          ...(o.tier !== undefined ? { tier: /^[0-9]+$/.test(o.tier) ? Number(o.tier) : o.tier } : {}),
          grantTypes: o.grantTypes,
          redirectUris: o.redirectUris,
          ...(o.consumer ? { consumer: o.consumer } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
        });
      } catch (err) {
        fail(err, o.json);
      }
      const { clientSecret, ...application } = res.application;
      const shown = o.showSecret ? res : { ...res, application };
      if (o.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      const tier = res.contract.tier?.name ?? res.contract.requestedTier?.name;
      console.log(
        [
          `Application ${application.id} "${application.name}"   client id ${application.clientId}${o.showSecret ? `   secret ${clientSecret}` : ''}`,
          `Contract ${res.contract.id} on API ${res.contract.apiId}: ${res.contract.status}${tier ? ` (tier ${tier})` : ''}`,
          ...(res.contract.status === 'PENDING' ? ['Waiting for approval in API Manager (POST …/xapi/v1/…/contracts/{id}/approve).'] : []),
        ].join('\n'),
      );
    });

  program
    .command('delete-application')
    .description('Delete a client application as its consumer does in Exchange; its contracts go with it, its client at the provider stays')
    .argument('<applicationId>', 'the Exchange application id', positiveInteger)
    .option('--json', 'print JSON', false)
    .option(...anypointUrlOption)
    .action(async (applicationId: number, o: { json: boolean; anypointUrl: string }) => {
      let res: DeleteResponse;
      try {
        res = await new SandboxAdminClient(o.anypointUrl.replace(/\/$/, '')).delete<DeleteResponse>(`/consumers/applications/${applicationId}`);
      } catch (err) {
        fail(err, o.json);
      }
      if (o.json) {
        console.log(JSON.stringify(res, null, 2));
        return;
      }
      const contracts = res.deletedContracts.map((c) => `${c.id} (API ${c.apiId}, ${c.status})`).join(', ') || 'none';
      console.log(`Deleted application ${res.application.id} "${res.application.name}" (client id ${res.application.clientId}); contracts deleted: ${contracts}.\nAnypoint leaves its client at the provider (unless the provider allows external client modification).`);
    });
}
