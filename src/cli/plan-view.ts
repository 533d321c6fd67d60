import { styleText } from 'node:util';
import type { FieldChange, Plan, PlanEntry } from '../activities/types';
import type { TenantConfig } from '../config/tenant';
import { CATALOGUE, CHECKS, PENDING_REDIRECT_URI, redirectUrisConverged } from '../workflows/catalogue';
import type { OnboardingProgress, StepProgress } from '../workflows/messages';

/*
 * The plan as a person reads it, Terraform-style: every step the run will take, in order, each with
 * its mark, the resource's name and the attributes it sets or changes (old → new). The plan activity
 * reads the resources; the steps that are not resources (the SSO redirect-URI write-back, the pause
 * for a person, the proof) are derived here from the tenant file and what the plan read, so the
 * totals are counted the way the run counts its own outcomes (runTotals).
 */

/** What a planned step does: the resource actions, plus a pause for a person and a check. */
export type StepAction = PlanEntry['action'] | 'wait' | 'check';

export interface PlannedStep {
  key: string;
  action: StepAction;
  title: string;
  id?: string;
  attributes?: FieldChange[];
  /** For a conflict: what to do. */
  fix?: string;
  /** Why a conflict may not be changed, when not the usual (neither created by this tenant nor adopted). */
  reason?: string;
}

export interface PlanTotals {
  create: number;
  update: number;
  unchanged: number;
  conflict: number;
}

export interface PlanView {
  tenantId: string;
  steps: PlannedStep[];
  totals: PlanTotals;
}

/** Outcomes the run counts: resources and the redirect-URI write-back; never a check or the pause. */
const COUNTED_CHECKS = new Set<string>([CHECKS.ssoRedirectUri.key]);
const NOT_COUNTED = new Set<string>(Object.values(CHECKS).map((c) => c.key).filter((k) => !COUNTED_CHECKS.has(k)));

/** What the plan's reader sees in place of a value the run learns on the way (an id of something it creates). */
export const KNOWN_AFTER_APPLY = '(known after apply)';

export function planView(cfg: TenantConfig, plan: Plan): PlanView {
  const steps: PlannedStep[] = [];
  const byKey = new Map(plan.entries.map((e) => [e.key, e]));
  for (const e of plan.entries) {
    steps.push({ key: e.key, action: e.action, title: e.resource, id: e.id, attributes: e.attributes, fix: e.fix, ...(e.reason ? { reason: e.reason } : {}) });
    if (e.key === CATALOGUE.identityProvider.key(null) || (e.key === CATALOGUE.ssoApp.key(null) && !byKey.has(CATALOGUE.identityProvider.key(null)))) {
      const writeBack = redirectUriStep(byKey);
      if (writeBack) steps.push(writeBack);
    }
    if (cfg.rfc7591 && e.key.startsWith(APPLICATION_KEY_PREFIX)) {
      const application = e.key.slice(APPLICATION_KEY_PREFIX.length);
      // Anypoint registers the client with its application: a step of the run with the application's action.
      steps.push({ key: CATALOGUE.providerClient.key(application), action: e.action === 'create' ? 'create' : 'unchanged', title: CATALOGUE.providerClient.title(cfg, application) });
    }
  }
  const pause = pauseStep(cfg, plan);
  if (pause) steps.push(pause);
  if (cfg.verification.enabled) steps.push({ key: CHECKS.proof.key, action: 'check', title: CHECKS.proof.title });
  const count = (a: StepAction) => steps.filter((s) => s.action === a && !NOT_COUNTED.has(s.key)).length;
  return { tenantId: cfg.tenant.id, steps, totals: { create: count('create'), update: count('update'), unchanged: count('unchanged'), conflict: count('conflict') } };
}

/** Every client application's step key starts so (the catalogue's key of a blank name). */
const APPLICATION_KEY_PREFIX = CATALOGUE.application.key('');

/** The SSO app gets Anypoint's redirect URI once the identity provider exists (setSsoRedirectUri). */
function redirectUriStep(byKey: Map<string, PlanEntry>): PlannedStep | undefined {
  const app = byKey.get(CATALOGUE.ssoApp.key(null));
  if (!app) return undefined;
  const idp = byKey.get(CATALOGUE.identityProvider.key(null));
  const current = app.facts?.redirectUris?.split(' ').filter(Boolean);
  const wanted = idp?.facts?.redirectUri || undefined;
  const step = { key: CHECKS.ssoRedirectUri.key, title: CHECKS.ssoRedirectUri.title, id: app.id };
  if (current && wanted && redirectUrisConverged(current, wanted)) return { ...step, action: 'unchanged' };
  return { ...step, action: 'update', attributes: [{ field: 'redirect_uris', from: current ?? [PENDING_REDIRECT_URI], to: wanted ? [wanted] : undefined }] };
}

/** Manual mode pauses for a person; an Okta tenant's pause is skipped when Okta already shows every assignment. */
function pauseStep(cfg: TenantConfig, plan: Plan): PlannedStep | undefined {
  if (cfg.assignment.mode !== 'manual' || cfg.anypoint.clientApplications.length === 0) return undefined;
  if (cfg.okta) {
    const newApplications = plan.entries.some((e) => e.key.startsWith(APPLICATION_KEY_PREFIX) && e.action === 'create');
    return { key: CHECKS.approval.key, action: 'wait', title: `${CHECKS.approval.title}${newApplications ? '' : ' (passes at once if Okta already shows every assignment)'}` };
  }
  if (!plan.entries.some((e) => e.key.startsWith(APPLICATION_KEY_PREFIX) && e.action === 'create')) return undefined;
  return { key: CHECKS.accessConfirmation.key, action: 'wait', title: CHECKS.accessConfirmation.title };
}

/** The run's own totals, counted like the plan's: a rolled-back step is not "created". */
export function runTotals(p: Pick<OnboardingProgress, 'steps'>): Omit<PlanTotals, 'conflict'> & { rolledBack: number } {
  const counted = p.steps.filter((s) => !NOT_COUNTED.has(s.key));
  const live = (s: StepProgress) => s.state === 'done';
  const count = (o: StepProgress['outcome']) => counted.filter((s) => live(s) && s.outcome === o).length;
  return { create: count('created'), update: count('updated'), unchanged: count('unchanged'), rolledBack: counted.filter((s) => s.state === 'compensated').length };
}

export interface Style {
  colour: boolean;
}

/** Colour only on a terminal that has it (Node's check honours NO_COLOR, FORCE_COLOR and TERM=dumb). */
export function terminalStyle(stream: NodeJS.WriteStream = process.stdout): Style {
  return { colour: Boolean(stream.isTTY && stream.hasColors?.()) };
}

const MARKS: Record<StepAction, { mark: string; colour: Parameters<typeof styleText>[0] }> = {
  create: { mark: '+', colour: 'green' },
  update: { mark: '~', colour: 'yellow' },
  unchanged: { mark: '=', colour: 'gray' },
  conflict: { mark: '!', colour: 'red' },
  wait: { mark: '>', colour: 'cyan' },
  check: { mark: '>', colour: 'cyan' },
};

const VERBS: Record<StepAction, string> = {
  create: 'create',
  update: 'update',
  unchanged: 'leave',
  conflict: 'CONFLICT',
  wait: 'wait',
  check: 'check',
};

export function show(value: unknown): string {
  if (value === undefined) return KNOWN_AFTER_APPLY;
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

function attributeLines(step: PlannedStep, paint: (colour: Parameters<typeof styleText>[0], text: string) => string): string[] {
  const attributes = step.attributes ?? [];
  const width = Math.max(0, ...attributes.map((a) => a.field.length));
  return attributes.map((a) => {
    const field = a.field.padEnd(width);
    if (step.action === 'create') return `        ${field} = ${show(a.to)}`;
    return `        ${field} = ${paint('red', show(a.from))} → ${paint('green', show(a.to))}`;
  });
}

export function totalsLine(t: PlanTotals): string {
  const conflicts = t.conflict > 0 ? `, ${t.conflict} in CONFLICT (the run refuses before any write)` : '';
  return `${t.create} to create, ${t.update} to update, ${t.unchanged} unchanged${conflicts}`;
}

export function renderPlan(view: PlanView, style: Style = { colour: false }): string {
  // The decision is terminalStyle's (made once, for the stream the plan is written to), not styleText's own check.
  const paint = (colour: Parameters<typeof styleText>[0], text: string) => (style.colour ? styleText(colour, text, { validateStream: false }) : text);
  const lines = [`Plan for ${view.tenantId}: ${totalsLine(view.totals)}`, ''];
  for (const step of view.steps) {
    const { mark, colour } = MARKS[step.action];
    const id = step.id && step.action !== 'create' ? ` [${step.id}]` : '';
    lines.push(`  ${paint(colour, `${mark} ${VERBS[step.action].padEnd(8)}`)} ${step.title}${id}`);
    lines.push(...attributeLines(step, paint));
    if (step.action === 'conflict') lines.push(`        ${step.reason ?? 'not created by this tenant nor adopted'}; fix: ${step.fix}`);
  }
  lines.push('', `Marks: + create, ~ update (old → new), = leave as it is, > a pause or a check; ${KNOWN_AFTER_APPLY}: an id of something the run creates.`);
  return lines.join('\n');
}
