/** Workflow ids derived from the tenant id: one onboarding and one offboarding per tenant at a time. */
export const onboardingWorkflowIdFor = (tenantId: string) => `onboarding-${tenantId}`;
export const offboardingWorkflowIdFor = (tenantId: string) => `offboarding-${tenantId}`;
/** The tenant's record (src/workflows/tenant-record.ts): one per tenant, for as long as the tenant exists. */
export const tenantRecordIdFor = (tenantId: string) => `tenant-${tenantId}`;
/**
 * The tenant's drift-check Schedule, and the id of a check: the Schedule appends each check's
 * scheduled time to it (and skips a check while the last one runs); `drift --now` uses it as it is.
 */
export const driftScheduleIdFor = (tenantId: string) => `drift-${tenantId}`;
export const driftCheckWorkflowIdFor = (tenantId: string) => `drift-check-${tenantId}`;
