import type { Plan } from '../activities/types';
import type { OnboardingProgress, StepProgress } from '../workflows/messages';

const STATE_MARK: Record<StepProgress['state'], string> = {
  pending: '·',
  running: '…',
  done: '✓',
  failed: '✗',
  compensated: '↺',
  'compensation-failed': '!',
  skipped: '-',
};

export function renderPlan(plan: Plan): string {
  const lines = plan.entries.map((e) => {
    const verb = e.action === 'create' ? 'create   ' : e.action === 'update' ? 'update   ' : 'leave    ';
    const detail = e.action === 'update' && e.changes?.length ? ` (differs: ${e.changes.join(', ')})` : e.id ? ` [${e.id}]` : '';
    return `  ${verb}${e.resource}${detail}`;
  });
  const count = (a: string) => plan.entries.filter((e) => e.action === a).length;
  return [`Plan: ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged`, ...lines].join('\n');
}

export function renderProgress(p: OnboardingProgress): string {
  const out = [`Tenant ${p.tenantId}: ${p.phase}`];
  for (const s of p.steps) {
    const outcome = s.outcome ? ` ${s.outcome}` : '';
    const id = s.resourceId ? ` [${s.resourceId}]` : '';
    const err = s.error ? ` — ${s.error}` : '';
    out.push(`  ${STATE_MARK[s.state]} ${s.title}${outcome}${id}${err}`);
  }
  if (p.phase === 'awaiting-assignment') {
    out.push('', 'Waiting for the Okta group assignment. Missing:', ...p.missingAssignments.map((m) => `  - ${m}`));
    out.push(`Assign in Okta, then: npm run cli -- approve ${p.tenantId} --by <your name> [--note <text>]`);
  }
  if (p.approval) out.push(`Approved by ${p.approval.approver} at ${p.approval.at}${p.approval.note ? ` (${p.approval.note})` : ''}`);
  if (p.proof) {
    out.push(`Proof: ${p.proof.passed ? 'passed' : 'FAILED'} — token scopes [${p.proof.tokenScopes.join(' ')}], introspection ${p.proof.introspectionActive ? 'active' : 'inactive'}`);
    for (const probe of [p.proof.withoutToken, ...p.proof.probes]) {
      out.push(`  ${probe.passed ? '✓' : '✗'} ${probe.method} ${probe.path} → ${probe.actual} (expected ${probe.expected})`);
    }
  }
  if (p.error) out.push(`Error: ${p.error}`);
  if (p.compensation) {
    out.push(`Rolled back: ${p.compensation.undone.length} undone`);
    for (const f of p.compensation.failed) out.push(`  ! NOT undone: ${f.title}: ${f.error}`);
  }
  return out.join('\n');
}
