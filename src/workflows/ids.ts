/** Workflow ids derived from the tenant id: one onboarding and one offboarding per tenant at a time. */
export const onboardingWorkflowIdFor = (tenantId: string) => `onboarding-${tenantId}`;
export const offboardingWorkflowIdFor = (tenantId: string) => `offboarding-${tenantId}`;
/** One doctor run per tenant at a time: a second `doctor` waits for the one running. */
export const doctorWorkflowIdFor = (tenantId: string) => `doctor-${tenantId}`;
/** The tenant's record (src/workflows/tenant-record.ts): one per tenant, for as long as the tenant exists. */
export const tenantRecordIdFor = (tenantId: string) => `tenant-${tenantId}`;
/** The per-tenant watcher of consumer contracts (src/workflows/access.ts). */
export const accessWatchIdFor = (tenantId: string) => `access-watch-${tenantId}`;
/**
 * One workflow per contract: the id derives from the contract, so each request is handled once. The
 * client id is part of it because contract ids are unique only within one platform's life: a reset
 * sandbox hands out the same contract ids again, with new clients, while Temporal remembers the old ids.
 */
export const accessRequestIdFor = (tenantId: string, contract: { contractId: string; clientId?: string }) => `access-request-${tenantId}-${contract.contractId}-${contract.clientId ?? 'no-client'}`;
/** One retirement per deleted contract: its Okta client is removed once. */
export const accessRetireIdFor = (tenantId: string, contract: { contractId: string; clientId?: string }) => `access-retire-${tenantId}-${contract.contractId}-${contract.clientId ?? 'no-client'}`;
/** The ids the watcher gave requests and retirements before the `access-ids-name-client` patch. */
export const contractOnlyAccessRequestIdFor = (tenantId: string, contractId: string) => `access-request-${tenantId}-${contractId}`;
export const contractOnlyAccessRetireIdFor = (tenantId: string, contractId: string) => `access-retire-${tenantId}-${contractId}`;
/** One rotation of a tenant's credentials at a time. */
export const rotationWorkflowIdFor = (tenantId: string) => `rotation-${tenantId}`;
/**
 * The tenant's drift-check Schedule, and the id of a check: the Schedule appends each check's
 * scheduled time to it (and skips a check while the last one runs); `drift --now` uses it as it is.
 */
export const driftScheduleIdFor = (tenantId: string) => `drift-${tenantId}`;
export const driftCheckWorkflowIdFor = (tenantId: string) => `drift-check-${tenantId}`;
/**
 * The admission of onboardings to one Okta org (src/workflows/org-admission.ts), per task queue: the
 * admission runs on the queue of the workers that serve the org's onboardings (a line on a queue no
 * worker serves would never move).
 */
export const orgAdmissionIdFor = (orgUrl: string, taskQueue: string) => `org-admission-${taskQueue}-${orgUrl.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '-')}`;
