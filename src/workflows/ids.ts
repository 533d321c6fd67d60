/** Workflow ids derived from the tenant id: one onboarding and one offboarding per tenant at a time. */
export const onboardingWorkflowIdFor = (tenantId: string) => `onboarding-${tenantId}`;
export const offboardingWorkflowIdFor = (tenantId: string) => `offboarding-${tenantId}`;
/** The tenant's record (src/workflows/tenant-record.ts): one per tenant, for as long as the tenant exists. */
export const tenantRecordIdFor = (tenantId: string) => `tenant-${tenantId}`;
/** The tenant's drift-check Schedule and the workflow id each of its checks runs under (one at a time). */
export const driftScheduleIdFor = (tenantId: string) => `drift-${tenantId}`;
export const driftCheckWorkflowIdFor = (tenantId: string) => `drift-check-${tenantId}`;
