// Every activity the worker registers, each wrapped so a transient failure is tried again in the
// worker first, client errors become Temporal failures by cause, and heartbeating so a dead
// worker's activity is retried elsewhere quickly.
import { anypointActivities } from './anypoint';
import * as drift from './drift';
import { withFailureMapping } from './failures';
import { withHeartbeats } from './heartbeat';
import { withQuickRetries } from './quick-retry';
import * as notify from './notify';
import { oktaActivities } from './okta';
import * as plan from './plan';
import * as proof from './proof';
import * as record from './record';
import * as access from './access';
import { rotationActivities } from './rotation';
import { rfc7591Activities } from './rfc7591';
import * as restore from './restore';

const all = withHeartbeats(withFailureMapping(withQuickRetries({
  ...oktaActivities,
  ...anypointActivities,
  ...rotationActivities,
  ...rfc7591Activities,
  planOnboarding: plan.planOnboarding,
  proveIntegration: proof.proveIntegration,
  remindApprover: notify.remindApprover,
  recordTenantEvent: record.recordTenantEvent,
  readTenantRecord: record.readTenantRecord,
  readOwnedResourceKeys: record.readOwnedResourceKeys,
  checkOffboardable: record.checkOffboardable,
  startAccessWatch: record.startAccessWatch,
  stopAccessWatch: record.stopAccessWatch,
  ...access,
  restorePreviousValues: restore.restorePreviousValues,
  checkOktaApiToken: drift.checkOktaApiToken,
  checkTenantConfig: drift.checkTenantConfig,
  notifyDrift: drift.notifyDrift,
  ensureDriftSchedule: drift.ensureDriftSchedule,
  removeDriftSchedule: drift.removeDriftSchedule,
})));

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
  checkProviderAccess,
  reportProviderClientLeft,
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
  startAccessWatch,
  stopAccessWatch,
  locateApiInstance,
  listAccessContracts,
  findMissingGroups,
  approveAccessContract,
  rejectAccessContract,
  clientReferences,
  proveAccessRequest,
  findOrphanClients,
  checkRotatable,
  verifyOktaToken,
  readClientProvider,
  pushRegistrationToken,
  findApiInstanceId,
  registerProbeApplication,
  startSecretRotation,
  addIntrospectionSecret,
  switchProviderSecret,
  proveGatewayIntrospection,
  deactivateIntrospectionSecret,
  deleteIntrospectionSecret,
  restorePreviousValues,
  checkOktaApiToken,
  checkTenantConfig,
  notifyDrift,
  ensureDriftSchedule,
  removeDriftSchedule,
} = all;
