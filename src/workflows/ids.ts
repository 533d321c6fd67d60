/** Workflow ids derived from the tenant id: one onboarding and one offboarding per tenant at a time. */
export const onboardingWorkflowIdFor = (tenantId: string) => `onboarding-${tenantId}`;
export const offboardingWorkflowIdFor = (tenantId: string) => `offboarding-${tenantId}`;
/** The tenant's record (src/workflows/tenant-record.ts): one per tenant, for as long as the tenant exists. */
export const tenantRecordIdFor = (tenantId: string) => `tenant-${tenantId}`;
/** The per-tenant watcher of consumer contracts (src/workflows/access.ts). */
export const accessWatchIdFor = (tenantId: string) => `access-watch-${tenantId}`;
/** One workflow per contract: the id derives from the contract, so each request is handled once. */
export const accessRequestIdFor = (tenantId: string, contractId: string) => `access-request-${tenantId}-${contractId}`;
/** One retirement per deleted contract: its Okta client is removed once. */
export const accessRetireIdFor = (tenantId: string, contractId: string) => `access-retire-${tenantId}-${contractId}`;
/** One rotation of a tenant's credentials at a time. */
export const rotationWorkflowIdFor = (tenantId: string) => `rotation-${tenantId}`;
