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
}

export interface PlanEntry {
  /** Stable step key, e.g. `okta.scope:silver`; the same key names the step in progress and undo. */
  key: string;
  system: 'okta' | 'anypoint';
  /** Human-readable resource, e.g. `scope "silver" on authorization server "solar-system"`. */
  resource: string;
  action: PlannedAction;
  /** Id of the existing resource when it is already there. */
  id?: string;
  /** Why an update is planned: the fields that differ. */
  changes?: string[];
  /** Non-secret facts of the existing resource (e.g. a registered client's id). */
  facts?: Record<string, string>;
  /**
   * For an update: the current values of the fields the update writes, read before any write, so a
   * rollback restores them. Never a secret (each convergence picks the fields).
   */
  previous?: Record<string, unknown>;
  /** For a conflict: what to do (adopt it, or rename it in the tenant file). */
  fix?: string;
}

export interface Plan {
  entries: PlanEntry[];
}

export interface OktaEndpoints {
  issuer: string;
  authorize: string;
  token: string;
  introspect: string;
  register: string;
  userinfo: string;
  keys: string;
}

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
}

export interface ProofResult {
  tokenScopes: string[];
  introspectionActive: boolean;
  introspectedScope: string;
  withoutToken: ProbeResult;
  probes: ProbeResult[];
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
