// Everything the worker registers. Only deterministic code below this folder.
export { onboardTenant } from './onboarding';
export { planTenant } from './plan';
export { offboardTenant } from './offboarding';
export { tenantRecord } from './tenant-record';
export { handleAccessRequest, retireAccessClient, sweepOrphanClients, watchAccessRequests } from './access';
export { rotateCredential } from './rotation';
export { checkDrift } from './drift';
export { diagnoseTenant } from './doctor';
export { orgAdmission } from './org-admission';
