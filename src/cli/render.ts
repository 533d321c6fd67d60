import type { ProbeResult, ProofResult } from '../activities/types';
import type { ApproverIdentity, OnboardingProgress, StepProgress } from '../workflows/messages';
import type { OffboardingProgress } from '../workflows/offboarding';
import type { RotationProgress } from '../workflows/rotation';
import type { DriftReport, RecordedResource, RotatedCredential, RotationSummary, TenantRecordState } from '../workflows/tenant-record';
import type { OrphanSweepResult } from '../workflows/access';
import type { AccessRequestSummary } from './access';
import { CHECKS } from '../workflows/catalogue';
import { runTotals } from './plan-view';

const STATE_MARK: Record<StepProgress['state'], string> = {
  pending: '·',
  running: '…',
  done: '✓',
  failed: '✗',
  compensated: '↺',
  'compensation-failed': '!',
  skipped: '-',
};

/** A step's outcome as it stands: a rolled-back step no longer reads "created". */
function outcomeOf(s: StepProgress): string {
  if (s.state === 'compensated') return s.outcome === 'updated' ? ' restored (the run had updated it)' : ' rolled back (the run had created it)';
  if (s.state === 'compensation-failed') return ` NOT rolled back (the run had ${s.outcome ?? 'changed'} it)`;
  return s.outcome ? ` ${s.outcome}` : '';
}

/** One line of totals, counted like the plan's (see plan-view.ts), so the two can be compared. */
export function renderRunTotals(p: OnboardingProgress): string {
  const t = runTotals(p);
  const rolledBack = t.rolledBack > 0 ? `; ${t.rolledBack} rolled back` : '';
  return `${t.create} created, ${t.update} updated, ${t.unchanged} unchanged${rolledBack}`;
}

function driftHeadline(r: DriftReport): string {
  if (r.error) return `could not finish: ${r.error}`;
  if (r.clean) return 'clean: Okta and Anypoint match the tenant file';
  const parts = [`${r.differences.length} difference(s)`, `${r.missing.length} recorded resource(s) missing`];
  if (!r.oktaToken.valid) parts.push('the Okta API token does NOT work');
  if (r.doctor && !r.doctor.healthy) parts.push(`doctor: ${r.doctor.failed.length} check(s) failed`);
  return `DRIFT: ${parts.join(', ')}`;
}

function driftLines(r: DriftReport): string[] {
  return [
    ...(!r.oktaToken.valid ? [`Okta API token (used by the client provider): ${r.oktaToken.error ?? 'refused'}`] : []),
    ...r.missing.map((m) => `missing: ${m.title}${m.id ? ` [${m.id}]` : ''} (created by this tenant, no longer there)`),
    ...r.differences.map((d) => `${d.action}: ${d.resource}${d.changes?.length ? ` (differs: ${d.changes.join(', ')})` : ''}${d.fix ? `; fix: ${d.fix}` : ''}`),
    ...(r.doctor?.failed ?? []).map((c) => `doctor: ${c.check}: ${c.cause ?? c.result}${c.fix ? `; fix: ${c.fix}` : ''}`),
  ];
}

/** The last drift report, as `drift <tenant>` prints it. */
export function renderDrift(r: DriftReport): string {
  const fix = r.clean || r.error ? [] : ['', 'Converge with: npm run cli -- drift <tenant.yaml> --fix (a normal onboarding run)'];
  return [`Drift check of ${r.tenantId} at ${r.checkedAt}: ${driftHeadline(r)}`, ...driftLines(r).map((l) => `  - ${l}`), ...fix].join('\n');
}

export function renderProgress(p: OnboardingProgress): string {
  const out = [`Tenant ${p.tenantId}: ${p.phase}`];
  for (const s of p.steps) {
    const outcome = outcomeOf(s);
    const id = s.resourceId ? ` [${s.resourceId}]` : '';
    const err = s.error ? ` — ${s.error}` : '';
    out.push(`  ${STATE_MARK[s.state]} ${s.title}${outcome}${id}${err}`);
    // What the step did besides converging (a duplicate it removed): said where the step is.
    for (const note of s.notes ?? []) out.push(`      note: ${note}`);
  }
  // An rfc7591 tenant waits for a person's confirmation of the registered clients, not for Okta groups.
  const confirming = p.steps.some((s) => s.key === CHECKS.accessConfirmation.key);
  if (p.phase === 'awaiting-assignment' && confirming) {
    out.push('', 'Waiting for a person to confirm the clients registered at the identity provider:', ...p.missingAssignments.map((m) => `  - ${m}`));
    out.push(`Confirm with: npm run cli -- approve ${p.tenantId} --by <your name> [--note <text>]`);
  } else if (p.phase === 'awaiting-assignment') {
    out.push('', 'Waiting for the Okta group assignment. Missing:', ...p.missingAssignments.map((m) => `  - ${m}`));
    out.push(`Assign in Okta, then: npm run cli -- approve ${p.tenantId} --by <your name> [--note <text>]`);
  }
  if (p.ssoSignInUrl && p.phase === 'completed') out.push(`Sign in to Anypoint through Okta at: ${p.ssoSignInUrl}`);
  if (p.approval) out.push(`Approved by ${p.approval.approver} at ${p.approval.at}${p.approval.note ? ` (${p.approval.note})` : ''}`);
  if (p.proof) {
    const client = (c: ProofResult) => (c.clientApplication ? ` "${c.clientApplication}"` : '');
    out.push(`Proof: ${p.proof.passed ? 'passed' : 'FAILED'} —${client(p.proof)} token scopes [${p.proof.tokenScopes.join(' ')}], introspection ${p.proof.introspectionActive ? 'active' : 'inactive'}`);
    // Each probe says which token, if any, it carried.
    const line = (probe: ProbeResult, carried: string) => `  ${probe.passed ? '✓' : '✗'} ${probe.method} ${probe.path} ${carried} → ${probe.actual} (expected ${probe.expected})`;
    out.push(line(p.proof.withoutToken, 'without a token'));
    for (const probe of p.proof.probes) out.push(line(probe, 'with the token'));
    for (const u of p.proof.users ?? []) {
      out.push(`  ${u.passed ? '✓' : '✗'} ${u.login} signs in${u.expectedRefused ? ' (expected to be refused)' : ''}:`);
      for (const f of u.flows) {
        out.push(`      ${f.flow}: ${f.error ? `refused by Okta (${f.error})` : `token scopes [${f.tokenScopes.join(' ')}]`}`);
        for (const probe of f.probes) out.push(`    ${line(probe, `with the user's token in the ${probe.tokenIn ?? 'header'}`)}`);
      }
    }
    for (const other of p.proof.otherClients ?? []) {
      out.push(`  and${client(other)}: token scopes [${other.tokenScopes.join(' ')}], introspection ${other.introspectionActive ? 'active' : 'inactive'}`);
      for (const probe of other.probes) out.push(line(probe, 'with its token'));
    }
  }
  if (p.phase === 'completed') out.push(`Result: ${renderRunTotals(p)}`);
  if (p.error) out.push(`${p.phase === 'cancelled' ? 'Cancelled' : 'Error'}: ${p.error.replace(/^cancelled: /, '')}`);
  if (p.compensation) {
    const undone = p.compensation.undone.length;
    out.push(undone === 0 && p.compensation.failed.length === 0 ? 'Rolled back: nothing (the run had created nothing yet)' : `Rolled back: ${undone} step(s) undone, in reverse order`);
    for (const f of p.compensation.failed) out.push(`  ! NOT undone: ${f.title}: ${f.error}`);
  }
  return out.join('\n');
}

export function renderRemovals(resources: RecordedResource[]): string {
  if (resources.length === 0) return 'Nothing to remove: the tenant record lists no resource this project created.';
  return [
    `Offboarding removes ${resources.length} resource(s), in this order (only what this tenant's runs created; adopted and pre-existing resources are not listed and are never touched):`,
    ...resources.map((r) => `  - remove ${r.title}${r.target.id ? ` [${r.target.id}]` : ''} (created ${r.createdAt} by run ${r.createdBy})`),
  ].join('\n');
}

export function renderOffboarding(p: OffboardingProgress): string {
  const out = [`Offboarding of ${p.tenantId}: ${p.phase}`];
  if (p.phase === 'awaiting-confirmation') {
    out.push(renderRemovalList(p));
    out.push('', `Nothing has been removed. To remove these, run: npm run cli -- offboard <tenant.yaml> --confirm --by <your name>`);
    out.push(`To give up instead: npm run cli -- offboard <tenant.yaml> --abandon --reason <text>`);
  } else {
    for (const s of p.steps) out.push(`  ${STATE_MARK[s.state]} ${s.title}${s.error ? ` — ${s.error}` : ''}`);
  }
  if (p.confirmation) out.push(`Confirmed by ${p.confirmation.approver} at ${p.confirmation.at}${p.confirmation.note ? ` (${p.confirmation.note})` : ''}`);
  for (const n of p.notRemoved) out.push(`  ! NOT removed: ${n.title}: ${n.error}`);
  for (const l of p.leftAtProvider ?? []) out.push(`  ! Left at the identity provider: ${l.title}${l.clientId ? ` [${l.clientId}]` : ''}: ${l.error}`);
  for (const k of p.keptInUse ?? []) out.push(`  = Kept, still in use by other tenants: ${k.title}${k.id ? ` [${k.id}]` : ''}: ${k.usedBy}`);
  if (p.error) out.push(`Error: ${p.error}`);
  return out.join('\n');
}

function renderRemovalList(p: OffboardingProgress): string {
  if (p.removals.length === 0) return 'The tenant record lists nothing to remove.';
  return ['Will remove, in this order:', ...p.removals.map((r) => `  - ${r.title}${r.id ? ` [${r.id}]` : ''}`)].join('\n');
}

/** The tenant's audit as a Markdown document: resources, then every run with its steps and approvals. */
export function renderAuditMarkdown(record: TenantRecordState): string {
  const out = [`# Audit of tenant ${record.tenantId}`, '', `Record since ${record.since}; status **${record.status}**.`, '', '## Resources this project created and keeps', ''];
  if (record.resources.length === 0) out.push('None.');
  else {
    out.push('| Resource | System | Id | Created | By run |', '| --- | --- | --- | --- | --- |');
    for (const r of record.resources) out.push(`| ${cell(r.title)} | ${r.system} | ${cell(r.target.id ?? '')} | ${r.createdAt} | ${r.createdBy} |`);
  }
  out.push('', '## Runs', '');
  if (record.lastDrift) out.push(`Last drift check ${record.lastDrift.checkedAt}: ${driftHeadline(record.lastDrift)}.`, '');
  for (const e of record.events) {
    if (e.type === 'rotation') {
      out.push(...rotationMarkdown(e.rotation));
      continue;
    }
    if (e.type === 'access') {
      const who = e.decision ? ` — ${e.decision.decision === 'approve' ? 'approved' : 'rejected'} by **${cell(e.decision.by)}**${signedIn(e.decision.identity)} at ${e.decision.at}${e.decision.note ? ` (${cell(e.decision.note)})` : ''}` : '';
      out.push(`### access ${e.kind} ${e.state} — ${e.at}`, '', `Application "${cell(e.request.applicationName)}", Okta client \`${e.request.clientId ?? '-'}\`, tier ${e.request.tier ?? '(none)'}, groups ${e.groups.join(', ') || '-'}${who}.`);
      if (e.reason) out.push(`Why: ${cell(e.reason)}`);
      if (e.proven?.length) out.push(`Proven: ${e.proven.map(cell).join('; ')}.`);
      if (e.unproven?.length) out.push(`Not proven: ${e.unproven.map(cell).join('; ')}.`);
      out.push('');
      continue;
    }
    if (e.type === 'drift') {
      out.push(`### drift check — ${e.report.checkedAt}`, '', `${cell(driftHeadline(e.report))}.`, ...driftLines(e.report).map((l) => `- ${cell(l)}`), '');
      continue;
    }
    const run = e.run;
    out.push(`### ${run.operation} ${run.outcome} — ${run.startedAt} → ${run.closedAt}`, '', `Workflow \`${run.workflowId}\`, run \`${run.runId}\`.`);
    if (run.approval) out.push(`Approved by **${cell(run.approval.approver)}**${signedIn(run.approval.identity)} at ${run.approval.at}${run.approval.note ? ` (${cell(run.approval.note)})` : ''}.`);
    if (run.error) out.push(`Error: ${cell(run.error)}`);
    if (e.created.length > 0) out.push(`Created: ${e.created.map((r) => cell(r.title)).join('; ')}.`);
    if (e.removed.length > 0) out.push(`Removed: ${e.removed.join(', ')}.`);
    out.push('', '| Step | State | Outcome | Id |', '| --- | --- | --- | --- |');
    for (const s of run.steps) out.push(`| ${cell(s.title)} | ${s.state} | ${s.outcome ?? ''} | ${cell(s.resourceId ?? '')} |`);
    out.push('');
  }
  return out.join('\n');
}

/** Who the identity provider says approved (the console's sign-in); nothing for a name typed at the CLI. */
const signedIn = (identity?: ApproverIdentity) => (identity ? ` (signed in: subject \`${cell(identity.subject)}\` of ${cell(identity.issuer)})` : '');

function rotationMarkdown(r: RotationSummary): string[] {
  const out = [`### rotation of the ${CREDENTIAL_NAMES[r.credential]} ${r.outcome} — ${r.startedAt} → ${r.closedAt}`, '', `By **${cell(r.by)}**; workflow \`${r.workflowId}\`, run \`${r.runId}\`.`];
  if (r.newSecretId) out.push(`Secret ${r.newSecretId} in place${r.retiredSecretId ? `, ${r.retiredSecretId} retired` : ''}.`);
  if (r.error) out.push(`Error: ${cell(r.error)}`);
  out.push('', '| Step | State | Outcome | Id |', '| --- | --- | --- | --- |');
  for (const s of r.steps) out.push(`| ${cell(s.title)} | ${s.state} | ${s.outcome ?? ''} | ${cell(s.resourceId ?? '')} |`);
  out.push('');
  return out;
}

export const CREDENTIAL_NAMES: Record<RotatedCredential, string> = { 'okta-token': 'Okta API token', 'introspection-secret': 'introspection client secret' };

/** A rotation's outcome as the CLI prints it. */
export function renderRotation(p: RotationProgress): string {
  const lines = [`Rotation of the ${CREDENTIAL_NAMES[p.credential]} of ${p.tenantId}: ${p.phase}`];
  for (const s of p.steps) lines.push(`  ${STATE_MARK[s.state]} ${s.title}${s.resourceId ? ` [${s.resourceId}]` : ''}${s.error ? `: ${s.error}` : ''}`);
  if (p.error) lines.push('', p.error);
  return lines.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderAccessRequests(tenantId: string, requests: AccessRequestSummary[]): string {
  if (requests.length === 0) return `No consumer access requests for ${tenantId} yet.`;
  const lines = requests.map(({ workflowId, status, progress: p }) => {
    if (!p) return `  ${workflowId}  ${status.toLowerCase()}`;
    const r = p.request;
    const who = p.decision ? ` — ${p.decision.decision === 'approve' ? 'approved' : 'rejected'} by ${p.decision.by}` : '';
    const what = p.kind === 'retirement' ? 'deleted application' : `tier ${r.tier ?? '(none)'} → ${p.groups.join(', ') || '-'}`;
    const proof = p.proof ? ` [proven: ${p.proof.proven.join('; ') || 'nothing'}${p.proof.unproven.length ? `; not proven: ${p.proof.unproven.join('; ')}` : ''}]` : '';
    return `  contract ${r.contractId.padEnd(8)} ${p.state.padEnd(9)} "${r.applicationName}" client ${r.clientId ?? '-'} ${what}${who}${proof}${p.reason ? `\n      ${p.reason}` : ''}`;
  });
  const waiting = requests.filter((r) => r.progress?.state === 'waiting');
  const hint = waiting.length > 0 ? [``, `Decide with: npm run cli -- request ${tenantId} <contractId> --approve|--reject --by <your name> [--assign] [--note <text>]${waiting.some((w) => w.progress?.kind === 'retirement') ? ' (add --retirement for a deleted application)' : ''}`] : [];
  return [`Access requests of ${tenantId}:`, ...lines, ...hint].join('\n');
}

export function renderOrphans(report: OrphanSweepResult): string {
  const out = [`Orphaned Okta clients: ${report.certain.length} certain, ${report.uncertain.length} uncertain`];
  for (const o of report.certain) out.push(`  certain   ${o.clientId}  "${o.label}": ${o.reason}${report.deleted.includes(o.clientId) ? ' — deleted' : ''}`);
  for (const o of report.uncertain) out.push(`  uncertain ${o.clientId}  "${o.label}": ${o.reason} — never deleted by the project`);
  if (report.certain.length > 0 && report.deleted.length === 0) out.push('', 'Delete the certain ones with --delete.');
  return out.join('\n');
}
