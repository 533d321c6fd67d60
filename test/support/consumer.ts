import { AnypointClient } from '../../src/clients/anypoint';
import type { AllSandboxes } from '../../src/sandbox';

/**
 * A consumer and an API owner on the Anypoint sandbox, through its public API as Exchange and API
 * Manager would call it: SLA tiers on the API instance, "Request access" (an Exchange application
 * registered through the instance's client provider, and a contract naming a tier), deleting the
 * application. Product code has no business doing these; tests and the demo play the people.
 */
export class AnypointConsumer {
  private readonly client: AnypointClient;

  constructor(private readonly sandboxes: AllSandboxes) {
    const { clientId, clientSecret } = sandboxes.anypoint.connectedApp;
    this.client = new AnypointClient({ baseUrl: sandboxes.anypoint.url, clientId, clientSecret });
  }

  private get org() {
    return this.sandboxes.anypoint.orgId;
  }

  private get env() {
    return this.sandboxes.anypoint.environments.Sandbox;
  }

  async apiId(instanceLabel: string): Promise<string> {
    const api = (await this.client.listApiInstances(this.org, this.env, { instanceLabel } as never)).find((a) => a.instanceLabel === instanceLabel);
    if (!api) throw new Error(`no API instance ${instanceLabel}`);
    return String(api.id);
  }

  /** An SLA tier on the API instance, as its owner defines it in API Manager. */
  async createTier(apiId: string, name: string, autoApprove: boolean): Promise<number> {
    const tier = await this.client.createTier(this.org, this.env, apiId, { name, autoApprove, limits: [{ maximumRequests: 1000, timePeriodInMilliseconds: 60_000, visible: true }] });
    return Number(tier.id);
  }

  /** Exchange's "Request access": the application (its client registered at the provider) and a contract for the tier. */
  async requestAccess(apiId: string, applicationName: string, tierId: number): Promise<{ applicationId: string; clientId: string; contractId: string; status: string }> {
    const app = await this.createApplication(apiId, applicationName);
    return { ...app, ...(await this.createContract(apiId, app.applicationId, tierId)) };
  }

  async createApplication(apiId: string, applicationName: string): Promise<{ applicationId: string; clientId: string }> {
    const app = await this.client.createClientApplication(this.org, apiId, { name: applicationName, description: 'a consumer', grantTypes: ['client_credentials'], redirectUri: [] });
    return { applicationId: String(app.id), clientId: String(app.clientId) };
  }

  async createContract(apiId: string, applicationId: string, tierId: number): Promise<{ contractId: string; status: string }> {
    const contract = await this.client.createContract(this.org, this.env, apiId, { applicationId: Number(applicationId), acceptedTerms: true, requestedTierId: tierId });
    return { contractId: String(contract.id), status: String(contract.status) };
  }

  async contractStatus(apiId: string, contractId: string): Promise<string | undefined> {
    const found = (await this.client.listContracts(this.org, this.env, apiId)).find((c) => String(c.id) === contractId);
    return found ? String(found.status) : undefined;
  }

  /** The consumer deletes the application in Exchange; its contracts go with it, its Okta client does not. */
  async deleteApplication(applicationId: string): Promise<void> {
    await this.client.deleteClientApplication(this.org, applicationId);
  }

  async close(): Promise<void> {
    await this.client.close?.();
  }
}
