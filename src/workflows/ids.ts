/** Workflow ids derived from the tenant id: one onboarding and one offboarding per tenant at a time. */
export const onboardingWorkflowIdFor = (tenantId: string) => `onboarding-${tenantId}`;
export const offboardingWorkflowIdFor = (tenantId: string) => `offboarding-${tenantId}`;
/** The tenant's record (src/workflows/tenant-record.ts): one per tenant, for as long as the tenant exists. */
export const tenantRecordIdFor = (tenantId: string) => `tenant-${tenantId}`;
/** One rotation of a tenant's credentials at a time. */
export const rotationWorkflowIdFor = (tenantId: string) => `rotation-${tenantId}`;
