// Everything the worker registers. Only deterministic code below this folder.
export { onboardTenant } from './onboarding';
export { planTenant } from './plan';
