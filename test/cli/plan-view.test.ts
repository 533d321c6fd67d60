import { resolve } from 'node:path';
import type { Plan, PlanEntry } from '../../src/activities/types';
import { planView, renderPlan, runTotals } from '../../src/cli/plan-view';
import { renderProgress } from '../../src/cli/render';
import { loadTenantFile } from '../../src/config/tenant';
import { CATALOGUE, CHECKS } from '../../src/workflows/catalogue';
import type { OnboardingProgress, StepProgress } from '../../src/workflows/messages';

const ROOT = resolve(__dirname, '../..');
const okta = loadTenantFile(resolve(ROOT, 'examples/solar-system.tenant.yaml'));
const openam = loadTenantFile(resolve(ROOT, 'examples/solar-system-openam.tenant.yaml'));

/** A plan of the tenant where every resource has the given action, with `overrides` by key. */
function planOf(cfg: typeof okta, action: PlanEntry['action'], overrides: Record<string, Partial<PlanEntry>> = {}): Plan {
  const entries: PlanEntry[] = [];
  for (const row of Object.values(CATALOGUE)) {
    if (row.kind === 'registeredClient' || row.kind === 'providerClient') continue; // registered by Anypoint, not planned
    for (const item of (row.select as (c: typeof cfg) => unknown[])(cfg)) {
      const key = (row.key as (i: unknown) => string)(item);
      entries.push({ key, system: row.system, resource: (row.title as (c: typeof cfg, i: unknown) => string)(cfg, item), action, ...(action === 'create' ? {} : { id: `id-${key}` }), ...overrides[key] });
    }
  }
  return { entries };
}

describe('the plan as a person reads it', () => {
  it('lists the steps that are not resources: the redirect-URI write-back, the pause and the proof, after the resources they follow', () => {
    const plan = planOf(okta, 'create');
    const view = planView(okta, plan);
    const keys = view.steps.map((s) => s.key);
    expect(keys.indexOf(CHECKS.ssoRedirectUri.key)).toBe(keys.indexOf(CATALOGUE.identityProvider.key(null)) + 1);
    expect(keys.slice(-2)).toEqual([CHECKS.approval.key, CHECKS.proof.key]);
    expect(view.steps.find((s) => s.key === CHECKS.ssoRedirectUri.key)).toMatchObject({ action: 'update', attributes: [{ field: 'redirect_uris', to: undefined }] });
    // The pause and the proof are not counted: the run does not count them either.
    expect(view.totals).toEqual({ create: plan.entries.length, update: 1, unchanged: 0, conflict: 0 });
  });

  it('a converged tenant plans the write-back as unchanged once the SSO app holds the identity provider\'s redirect URI', () => {
    const redirect = 'https://anypoint.example/sso/callback';
    const view = planView(okta, planOf(okta, 'unchanged', {
      [CATALOGUE.ssoApp.key(null)]: { facts: { clientId: 'app1', redirectUris: redirect } },
      [CATALOGUE.identityProvider.key(null)]: { facts: { redirectUri: redirect } },
    }));
    expect(view.steps.find((s) => s.key === CHECKS.ssoRedirectUri.key)?.action).toBe('unchanged');
    expect(view.totals.update).toBe(0);
    const stale = planView(okta, planOf(okta, 'unchanged', {
      [CATALOGUE.ssoApp.key(null)]: { facts: { clientId: 'app1', redirectUris: 'http://localhost/pending-anypoint-redirect' } },
      [CATALOGUE.identityProvider.key(null)]: { facts: { redirectUri: redirect } },
    }));
    expect(stale.steps.find((s) => s.key === CHECKS.ssoRedirectUri.key)).toMatchObject({ action: 'update', attributes: [{ from: ['http://localhost/pending-anypoint-redirect'], to: [redirect] }] });
  });

  it('an RFC 7591 tenant plans the client Anypoint registers with each application, and no Okta write-back', () => {
    const view = planView(openam, planOf(openam, 'create'));
    expect(view.steps.map((s) => s.key)).toEqual(expect.arrayContaining(openam.anypoint.clientApplications.map((a) => CATALOGUE.providerClient.key(a.name))));
    expect(view.steps.some((s) => s.key === CHECKS.ssoRedirectUri.key)).toBe(false);
  });

  it('renders marks and old → new; colour only when asked for', () => {
    const view = planView(okta, planOf(okta, 'unchanged', { [CATALOGUE.group.key('goldSubscribers')]: { action: 'update', attributes: [{ field: 'description', from: 'old', to: 'new' }] } }));
    const plain = renderPlan(view);
    expect(plain).toMatch(/~ update {3}Okta group "goldSubscribers" \[id-okta\.group:goldSubscribers\]\n {8}description = "old" → "new"/);
    expect(plain).toMatch(/= leave {4}Okta group "silverSubscribers"/);
    expect(plain).not.toContain('\x1b[');
    expect(renderPlan(view, { colour: true })).toContain('\x1b[33m~ update');
  });

  it('the run counts like the plan: the pause and checks are not outcomes, and a rolled-back step is not "created"', () => {
    const step = (key: string, state: StepProgress['state'], outcome?: StepProgress['outcome']): StepProgress => ({ key, title: key, state, outcome });
    const steps = [
      step(CHECKS.plan.key, 'done'),
      step('okta.group:a', 'done', 'created'),
      step('okta.group:b', 'compensated', 'created'),
      step(CHECKS.ssoRedirectUri.key, 'done', 'updated'),
      step(CHECKS.approval.key, 'done', 'unchanged'),
      step('anypoint.asset', 'done', 'unchanged'),
    ];
    expect(runTotals({ steps })).toEqual({ create: 1, update: 1, unchanged: 1, rolledBack: 1 });
    const progress: OnboardingProgress = { tenantId: 't', phase: 'cancelled', startedAt: '', steps, remindersSent: 0, missingAssignments: [], error: 'cancelled: wrong tenant', compensation: { undone: ['okta.group:b'], failed: [] } };
    const text = renderProgress(progress);
    expect(text).toContain('↺ okta.group:b rolled back (the run had created it)');
    expect(text).toContain('Cancelled: wrong tenant');
  });
});
