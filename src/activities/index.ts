// Every activity the worker registers, each wrapped so client errors become Temporal failures by
// cause, and heartbeating so a dead worker's activity is retried elsewhere quickly.
import { anypointActivities } from './anypoint';
import * as drift from './drift';
import { withFailureMapping } from './failures';
import { withHeartbeats } from './heartbeat';
import * as notify from './notify';
import { oktaActivities } from './okta';
import * as plan from './plan';
import * as proof from './proof';
import * as record from './record';
import * as restore from './restore';

const all = withHeartbeats(withFailureMapping({
  ...oktaActivities,
  ...anypointActivities,
  planOnboarding: plan.planOnboarding,
  proveIntegration: proof.proveIntegration,
  remindApprover: notify.remindApprover,
  recordTenantEvent: record.recordTenantEvent,
  readTenantRecord: record.readTenantRecord,
  readOwnedResourceKeys: record.readOwnedResourceKeys,
  checkOffboardable: record.checkOffboardable,
  restorePreviousValues: restore.restorePreviousValues,
  checkOktaApiToken: drift.checkOktaApiToken,
  checkTenantConfig: drift.checkTenantConfig,
  notifyDrift: drift.notifyDrift,
  ensureDriftSchedule: drift.ensureDriftSchedule,
  removeDriftSchedule: drift.removeDriftSchedule,
}));

export const {
  checkOktaAccess,
  ensureAuthorizationServer,
  ensureScope,
  ensureGroup,
  ensureAccessPolicy,
  ensurePolicyRule,
  ensureIntrospectionClient,
  ensureSsoApp,
  readOktaEndpoints,
  setSsoRedirectUri,
  checkGroupAssignments,
  assignGroupToClient,
  deleteAuthorizationServer,
  deleteScope,
  deleteGroup,
  deleteAccessPolicy,
  deletePolicyRule,
  deleteOktaApp,
  deleteOktaClient,
  unassignGroupFromClient,
  checkAnypointAccess,
  readAnypointContext,
  publishApiAsset,
  ensureClientProvider,
  ensureIdentityProvider,
  ensureApiInstance,
  ensureProxyDeployment,
  ensureApiPolicy,
  ensureClientApplication,
  ensureContract,
  deleteApiAsset,
  deleteClientProvider,
  deleteIdentityProvider,
  deleteApiInstance,
  deleteProxyDeployment,
  deleteApiPolicy,
  deleteClientApplication,
  revokeContract,
  deleteContract,
  planOnboarding,
  proveIntegration,
  remindApprover,
  recordTenantEvent,
  readTenantRecord,
  readOwnedResourceKeys,
  checkOffboardable,
  restorePreviousValues,
  checkOktaApiToken,
  checkTenantConfig,
  notifyDrift,
  ensureDriftSchedule,
  removeDriftSchedule,
} = all;
