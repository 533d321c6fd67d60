/**
 * Shapes that cross the workflow ⇄ activity boundary. Pure types: workflows import them.
 * Nothing here carries a secret: activities resolve credentials themselves and read the
 * secrets they need (client secrets) from the system that owns them, so history never holds one.
 */

/** What a converge step did (or, in a plan, would do) to one resource. */
export type Outcome = 'created' | 'updated' | 'unchanged';
/**
 * `conflict`: a same-named resource exists, differs from the tenant file, is not adopted and was not
 * created by this tenant: the run refuses before any write (the entry's `fix` says how to go on).
 */
export type PlannedAction = 'create' | 'update' | 'unchanged' | 'conflict';

export interface StepResult {
  outcome: Outcome;
  /** The resource's id in its system. */
  id: string;
  /** Extra non-secret facts later steps need (issuer, redirect URI, client id…). */
  facts?: Record<string, string>;
  /** What the step did besides converging, in words for whoever reads the run (a duplicate it found and removed). */
  notes?: string[];
}

/** One attribute of a planned create (`from` absent) or update (old → new). Never a secret. */
export interface FieldChange {
  field: string;
  from?: unknown;
  /** Undefined when the value is known only once the run is under way (an id of a resource it creates). */
  to?: unknown;
}

export interface PlanEntry {
  /** Stable step key, e.g. `okta.scope:silver`; the same key names the step in progress and undo. */
  key: string;
  system: 'okta' | 'anypoint' | 'provider';
  /** Human-readable resource, e.g. `scope "silver" on authorization server "solar-system"`. */
  resource: string;
  action: PlannedAction;
  /** Id of the existing resource when it is already there. */
  id?: string;
  /** Why an update is planned: the fields that differ. */
  changes?: string[];
  /** What a create sets, or what an update changes (old → new), for the plan's reader. */
  attributes?: FieldChange[];
  /** Non-secret facts of the existing resource (e.g. a registered client's id). */
  facts?: Record<string, string>;
  /**
   * For an update: the current values of the fields the update writes, read before any write, so a
   * rollback restores them. Never a secret (each convergence picks the fields).
   */
  previous?: Record<string, unknown>;
  /** For a conflict: what to do (adopt it, or rename it in the tenant file). */
  fix?: string;
  /** For a conflict: why it may not be changed, when not the usual (neither created by this tenant nor adopted). */
  reason?: string;
  /** Something the run will likely meet (e.g. a limit the create would pass), with what to do; the run still goes on. */
  warning?: string;
}

/**
 * What the plan learned about one step's resource, handed to the step: `create` (not found), or
 * found with its id and facts. A first attempt acts on it without looking again (see converge).
 */
export interface PlanFinding {
  action: Exclude<PlannedAction, 'conflict'>;
  id?: string;
  facts?: Record<string, string>;
}

export interface Plan {
  entries: PlanEntry[];
}

/** The OAuth/OIDC endpoints of the identity provider: Okta's authorization server, or an RFC 7591 provider's discovery document. */
export interface ProviderEndpoints {
  issuer: string;
  authorize: string;
  token: string;
  introspect: string;
  register: string;
  userinfo: string;
  keys: string;
}

/** Okta's endpoints are an authorization server's metadata. */
export type OktaEndpoints = ProviderEndpoints;

export interface AnypointContext {
  orgId: string;
  orgDomain: string;
  environmentId: string;
}

/** A client Anypoint registered in Okta for one Exchange application, and the groups it needs. */
export interface RegisteredClient {
  applicationName: string;
  clientId: string;
  groups: string[];
}

export interface MissingAssignment {
  applicationName: string;
  clientId: string;
  group: string;
}

export interface ProbeResult {
  method: string;
  path: string;
  expected: number;
  actual: number;
  passed: boolean;
  /** Where a user's token was sent, when the proof sends it both ways. */
  tokenIn?: 'header' | 'query';
}

/** One way a person got a token (or was refused one), and what the gateway answered to it. */
export interface SignInFlowProof {
  flow: 'authorization_code+pkce' | 'implicit';
  tokenScopes: string[];
  /** Okta's refusal (`access_denied: …`), when it gave no token. */
  error?: string;
  probes: ProbeResult[];
  passed: boolean;
}

export interface UserSignInProof {
  login: string;
  expectedRefused: boolean;
  flows: SignInFlowProof[];
  passed: boolean;
}

export interface ProofResult {
  /** The application whose token this is (absent in runs recorded before several clients were proven). */
  clientApplication?: string;
  tokenScopes: string[];
  introspectionActive: boolean;
  introspectedScope: string;
  withoutToken: ProbeResult;
  probes: ProbeResult[];
  /** verification.otherClients, each proven like the first (their withoutToken repeats the first's). */
  otherClients?: ProofResult[];
  /** verification.signIn: each person's sign-in flows and calls. */
  users?: UserSignInProof[];
  /** Whether this client's proof and every other client's passed. */
  passed: boolean;
}

/** How an undo finds its target: by id when the step reported one, else by its exact identity. */
export interface UndoTarget {
  key: string;
  /** Exact identity (name or label) used when the id is unknown. */
  name?: string;
  id?: string;
  /** Ids of parents needed to address the resource (authorization server, policy, API instance…). */
  parents?: Record<string, string>;
  /** Non-secret facts the step reported (e.g. the Okta client id of an Exchange application). */
  facts?: Record<string, string>;
}

/** Where a tenant's API lives in Anypoint: what every access-request activity addresses. */
export interface ApiLocation {
  anypoint: AnypointContext;
  apiId: string;
}

/** One contract on the tenant's API instance, as the watcher sees it: a consumer's access request. */
export interface AccessContract {
  contractId: string;
  /** PENDING, APPROVED, REJECTED or REVOKED. */
  status: string;
  applicationId: string;
  applicationName: string;
  /** The client Anypoint registered at the provider for the application. */
  clientId?: string;
  /** SLA tier name, when the API has tiers. */
  tier?: string;
}

/** What a request's proof could show; `unproven` says which parts were not shown, and why. */
export interface AccessProof {
  active: boolean;
  assigned: string[];
  tokenScopes: string[];
  probes: ProbeResult[];
  proven: string[];
  unproven: string[];
}

export interface OrphanClient {
  clientId: string;
  label: string;
  reason: string;
}

export interface OrphanReport {
  /** Registered by this tenant's client provider (per the tenant record) and referenced by no Exchange application. */
  certain: OrphanClient[];
  /** Referenced by no Exchange application, but not shown to come from this tenant: never deleted. */
  uncertain: OrphanClient[];
}
