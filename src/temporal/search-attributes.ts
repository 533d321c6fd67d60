// Imported by workflows: only @temporalio/common here.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The tenant a run onboards: `TenantId = 'acme'` finds every run of a tenant. */
export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
/** Where a run is: preflight, okta, anypoint, awaiting-assignment, proving, completed, failed… */
export const ONBOARDING_PHASE = defineSearchAttributeKey('OnboardingPhase', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [TENANT_ID, ONBOARDING_PHASE];
