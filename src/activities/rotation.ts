import { ApplicationFailure, getClient } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ExternalApiError } from '../clients/errors';
import { describeSecretRef, resolveSecretRef } from '../config/secrets';
import type { OktaTenantConfig } from '../config/tenant';
import { offboardingWorkflowIdFor, onboardingWorkflowIdFor } from '../workflows/ids';
import { assetGroupId } from './anypoint';
import { anypointFor, oktaApiTokenClientFor, oktaFor } from './clients';
import { probeGateway, throwIfGatewayUnavailable, verificationToken } from './proof';
import { readTenantRecord } from './record';
import type { AnypointContext, ProbeResult } from './types';

/*
 * Rotation of the two credentials Anypoint's client provider holds: the Okta API token it registers
 * clients with, and the introspection client's secret the gateway introspects with. One external
 * effect per activity, each safe to retry; secret values are read here, from the tenant file's
 * reference or from Okta, and leave only towards Anypoint: workflows see secret ids, never values.
 */

/** Both credentials rotated here are Okta's (the API token, the introspection client's secret). */
type Cfg = OktaTenantConfig;

/** What a rotation needs to know about the client provider; no secret. */
export interface ClientProviderFacts {
  providerId: string;
  tokenUrl: string;
  /** The Okta app id of the introspection client the provider introspects with. */
  introspectionAppId: string;
}

export interface SecretRotationStart {
  /** The secret Anypoint holds today: the only one the app has. */
  retiringSecretId: string;
}

export interface ProbeRegistration {
  applicationId: string;
  /** The Okta client Anypoint registered for it (its Okta app id). */
  clientId: string;
}

export const rotationActivities = {
  /** Refuses a rotation of a tenant that has no record, was offboarded, or is being built or removed. */
  async checkRotatable(tenantId: string): Promise<void> {
    for (const workflowId of [onboardingWorkflowIdFor(tenantId), offboardingWorkflowIdFor(tenantId)]) {
      const run = await getClient().workflow.getHandle(workflowId).describe().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
      if (run?.status.name === 'RUNNING') throw refused(`${workflowId} is still running. Fix: let it finish (or cancel it), then rotate.`);
    }
    const record = await readTenantRecord(tenantId);
    if (!record) throw refused(`Tenant ${tenantId} has no record: it was never onboarded by this project. Nothing was changed. Fix: check the tenant id, or onboard it first.`);
    if (record.status === 'offboarded') throw refused(`Tenant ${tenantId} was offboarded: there is no client provider to rotate. Nothing was changed.`);
  },

  /**
   * Proves the token the tenant file's okta.apiToken now points at works, before anything is
   * written: it authenticates (users/me) and can read the tenant's apps, as registration needs.
   */
  async verifyOktaToken(cfg: Cfg): Promise<void> {
    const where = describeSecretRef(cfg.okta.apiToken);
    const okta = oktaApiTokenClientFor(cfg);
    try {
      await okta.verifyApiToken();
      await okta.findOidcAppByLabel(cfg.okta.introspectionClient.label);
    } catch (err) {
      if (err instanceof ExternalApiError && (err.kind === 'auth' || err.kind === 'forbidden')) {
        throw ApplicationFailure.create({
          type: `okta.${err.kind}`,
          nonRetryable: true,
          message: `The Okta API token in ${where} (okta.apiToken) does not work: Okta answered ${err.status ?? err.kind} to "${err.operation}". Nothing was changed. Fix: create an API token in Okta (Security → API → Tokens) as an admin who can manage apps, put it in ${where}, and rotate again.`,
        });
      }
      throw err;
    }
  },

  /** The provider as the tenant file names it; a rotation of a provider that does not exist is refused. */
  async readClientProvider(cfg: Cfg, ctx: AnypointContext): Promise<ClientProviderFacts> {
    const name = cfg.anypoint.clientProvider.name;
    const provider = await anypointFor(cfg).findClientProviderByName(ctx.orgId, name);
    const oidc = (provider?.oidc_dynamic_client_provider ?? {}) as { urls?: { token?: string }; primary_client?: { id?: string } };
    if (!provider || !oidc.urls?.token || !oidc.primary_client?.id) {
      throw refused(`Anypoint has no client provider "${name}" (anypoint.clientProvider.name) with an introspection client. Nothing was changed. Fix: onboard the tenant first.`);
    }
    return { providerId: String(provider.providerId), tokenUrl: oidc.urls.token, introspectionAppId: oidc.primary_client.id };
  },

  /** Writes the token the tenant file points at into the provider's registration authorization. */
  async pushRegistrationToken(cfg: Cfg, ctx: AnypointContext, providerId: string): Promise<void> {
    const authorization = `SSWS ${resolveSecretRef(cfg.okta.apiToken)}`;
    await anypointFor(cfg).patchClientProvider(ctx.orgId, providerId, { oidc_dynamic_client_provider: { client: { registration: { authorization } } } });
  },

  /** The tenant's API instance: a throw-away application is registered through its client provider. */
  async findApiInstanceId(cfg: Cfg, ctx: AnypointContext): Promise<string> {
    const api = cfg.anypoint.api;
    const instance = await anypointFor(cfg).findApiInstance(ctx.orgId, ctx.environmentId, { groupId: assetGroupId(cfg, ctx), assetId: api.asset.assetId, instanceLabel: api.instanceLabel });
    if (!instance) throw refused(`The API instance "${api.instanceLabel}" does not exist in Anypoint, so no registration can be proved through the client provider. Fix: onboard the tenant first.`);
    return String(instance.id);
  },

  /**
   * Registers a throw-away application through the provider, as a consumer's "Request access"
   * does: Anypoint calls Okta's registration endpoint with the token it holds. A retry finds the
   * application by its name (unique to the rotation run) instead of registering a second one.
   */
  async registerProbeApplication(cfg: Cfg, ctx: AnypointContext, apiId: string, name: string): Promise<ProbeRegistration> {
    const anypoint = anypointFor(cfg);
    const app =
      (await anypoint.findClientApplicationByName(ctx.orgId, name)) ??
      (await anypoint.createClientApplication(ctx.orgId, apiId, { name, description: 'Temporary: proves the client provider registers clients in Okta; deleted by the rotation.', grantTypes: ['client_credentials'] }));
    if (!app.clientId) throw ApplicationFailure.nonRetryable(`Anypoint registered "${name}" but returned no Okta client id.`, 'MissingClientId');
    return { applicationId: String(app.id), clientId: String(app.clientId) };
  },

  /** The introspection client's secrets; the rotation needs room for a second one. */
  async startSecretRotation(cfg: Cfg, introspectionAppId: string): Promise<SecretRotationStart> {
    const secrets = await oktaFor(cfg).listClientSecrets(introspectionAppId);
    const active = secrets.filter((s) => s.status === 'ACTIVE');
    if (secrets.length !== 1 || active.length !== 1) {
      const listed = secrets.map((s) => `${s.id} (${s.status}, created ${s.created})`).join(', ') || 'none';
      throw refused(
        `The introspection client ${introspectionAppId} has ${secrets.length} client secret(s): ${listed}. A rotation starts from exactly one active secret, the one Anypoint holds, and adds the second Okta allows. Nothing was changed. Fix: in Okta, deactivate and delete the secret Anypoint does not use, then rotate again.`,
      );
    }
    return { retiringSecretId: active[0].id };
  },

  /** Adds the second secret; a retry finds the one it added (any secret but the retiring one) instead of adding another. */
  async addIntrospectionSecret(cfg: Cfg, introspectionAppId: string, retiringSecretId: string): Promise<string> {
    const okta = oktaFor(cfg);
    const added = (await okta.listClientSecrets(introspectionAppId)).find((s) => s.id !== retiringSecretId && s.status === 'ACTIVE');
    return added?.id ?? (await okta.createClientSecret(introspectionAppId)).id;
  },

  /** Points the provider's introspection client at one secret, read from Okta by id here. */
  async switchProviderSecret(cfg: Cfg, ctx: AnypointContext, providerId: string, introspectionAppId: string, secretId: string): Promise<void> {
    const secret = await oktaFor(cfg).getClientSecretById(introspectionAppId, secretId);
    await anypointFor(cfg).patchClientProvider(ctx.orgId, providerId, { oidc_dynamic_client_provider: { primary_client: { id: introspectionAppId, secret } } });
  },

  /**
   * The gateway still introspects: a fresh token (never seen by the gateway, so not in its cache)
   * gets the expected answer on the first allowed call. Read-only; the token stays here.
   */
  async proveGatewayIntrospection(cfg: Cfg, ctx: AnypointContext, tokenUrl: string): Promise<ProbeResult> {
    const allowed = cfg.verification.allowed[0];
    if (!allowed) throw refused('verification.allowed is empty: a rotation proves the gateway with an allowed call. Fix: list one in verification.allowed.');
    const token = await verificationToken(cfg, ctx, tokenUrl);
    const probe = await probeGateway(cfg, allowed, allowed.expect, token.accessToken);
    throwIfGatewayUnavailable([probe]);
    if (!probe.passed) {
      throw ApplicationFailure.retryable(`The gateway answered ${probe.method} ${probe.path} with ${probe.actual} (expected ${probe.expected}) after the switch.`, 'rotation.proof');
    }
    return probe;
  },

  /** Deactivates a secret; one already inactive or gone needs nothing. */
  async deactivateIntrospectionSecret(cfg: Cfg, introspectionAppId: string, secretId: string): Promise<void> {
    const okta = oktaFor(cfg);
    const secret = (await okta.listClientSecrets(introspectionAppId)).find((s) => s.id === secretId);
    if (secret?.status === 'ACTIVE') await okta.deactivateClientSecret(introspectionAppId, secretId);
  },

  async deleteIntrospectionSecret(cfg: Cfg, introspectionAppId: string, secretId: string): Promise<void> {
    await oktaFor(cfg).deleteClientSecret(introspectionAppId, secretId);
  },
};

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'config', nonRetryable: true, message });
}
