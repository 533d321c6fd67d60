// Workflows import this file, so it may import only @temporalio/common (deterministic, no Node APIs).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/** The tenant a run onboards: `TenantId = "acme"` lists every run of that tenant. */
export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);

/** Where a run stands (the workflow upserts it as it moves), so operators can filter by phase. */
export const ONBOARDING_PHASE = defineSearchAttributeKey('OnboardingPhase', SearchAttributeType.KEYWORD);

/** Every custom search attribute the project uses; servers must have them registered. */
export const SEARCH_ATTRIBUTES: SearchAttributeKey<SearchAttributeType>[] = [TENANT_ID, ONBOARDING_PHASE];
