import type { RunRecord, TenantSummary } from '../cli/operations';
import type { ApproverIdentity, StepProgress } from '../workflows/messages';
import type { DriftReport, TenantRecordState } from '../workflows/tenant-record';
import type { Session } from './sessions';
import type { Inbox, LiveCheck, WaitingItem } from './waiting';

/*
 * Server-rendered pages: plain HTML with landmarks, labels and live regions, one stylesheet and one
 * small script from this server (no CDN, no build step). Every value is escaped where it is put in.
 * Nothing secret is at hand here: pages get ids, names and states, never a token or a secret.
 */

/** HTML that is already safe (built by `html`). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Part = string | number | undefined | null | false | Html | Part[];

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escape(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < parts.length ? render(parts[i]) : ''), ''));
}

export interface PageContext {
  session?: Session;
  /** What the live region follows (the SSE stream's `view`). */
  view?: string;
  approversGroup: string;
}

export function layout(title: string, ctx: PageContext, main: Html, opts: { banner?: string } = {}): string {
  const user = ctx.session?.user;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Onboarding console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body${ctx.view ? html` data-view="${ctx.view}"` : ''}>
<a class="skip" href="#live">Skip to content</a>
<header>
  <nav aria-label="Main"><a href="/inbox">Inbox</a> <a href="/tenants">Tenants</a></nav>
  <div class="who">${user
    ? html`Signed in as <strong id="signed-in-as">${user.displayName}</strong> · <span id="role">${user.canApprove ? 'approver' : `read-only (not in ${ctx.approversGroup})`}</span>
      <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${ctx.session!.csrfToken}"><button type="submit">Sign out</button></form>`
    : html`<a id="sign-in" href="/login">Sign in with Okta</a>`}</div>
</header>
<div id="connection" role="status" aria-live="polite" class="${opts.banner ? 'banner error' : 'banner'}">${opts.banner ?? ''}</div>
${flash(ctx.session)}
<main id="live">${main}</main>
</body>
</html>`.value;
}

function flash(session?: Session): Html {
  const f = session?.flash;
  if (!f) return html``;
  return html`<p id="flash" class="flash ${f.kind}" role="${f.kind === 'error' ? 'alert' : 'status'}">${f.text}</p>`;
}

const when = (iso?: string) => (iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`—`);

function liveCheck(live: LiveCheck): Html {
  switch (live.state) {
    case 'shown':
      return html`<p class="live ok" data-live="shown">Okta shows every assignment now.</p>`;
    case 'missing':
      return html`<div class="live missing" data-live="missing"><p>Okta does not show yet:</p><ul>${live.missing.map((m) => html`<li><code>${m.applicationName}</code> (client <code>${m.clientId}</code>) → group <code>${m.group}</code></li>`)}</ul></div>`;
    case 'unchecked':
      return html`<p class="live unknown" data-live="unchecked">Not checked live: ${live.reason}</p>`;
  }
}

function decisionForm(item: WaitingItem, ctx: PageContext): Html {
  const user = ctx.session?.user;
  if (!user) return html`<p class="readonly"><a href="/login">Sign in</a> to approve.</p>`;
  if (!user.canApprove) return html`<p class="readonly">Read-only: only members of the Okta group <code>${ctx.approversGroup}</code> may approve.</p>`;
  const id = item.key.replace(/[^A-Za-z0-9_-]/g, '_');
  // Rejecting an onboarding cancels it (what it created is rolled back); rejecting an offboarding abandons it (nothing is removed).
  const rejectLabel = { onboarding: 'Reject: cancel and roll back', offboarding: 'Abandon: remove nothing', access: 'Reject', retirement: 'Reject' }[item.kind];
  return html`<form method="post" action="/decide" class="decide" data-key="${item.key}">
  <input type="hidden" name="csrf" value="${ctx.session!.csrfToken}">
  <input type="hidden" name="key" value="${item.key}">
  <label for="note-${id}">Note (kept in the audit)</label>
  <textarea id="note-${id}" name="note" rows="2" maxlength="500"></textarea>
  <div class="buttons">
    <button type="submit" name="decision" value="approve" class="approve">${item.kind === 'offboarding' ? 'Confirm removal' : item.kind === 'retirement' ? 'Approve removal' : 'Approve'}</button>
    <button type="submit" name="decision" value="reject" class="reject">${rejectLabel}</button>
  </div>
</form>`;
}

function waitingItem(item: WaitingItem, ctx: PageContext): Html {
  const common = html`<dt>Tenant</dt><dd><a href="/tenants/${encodeURIComponent(item.tenantId)}">${item.tenantId}</a></dd>
    <dt>Waiting since</dt><dd>${when(item.since)}</dd>
    <dt>Deadline</dt><dd>${when(item.deadline)}</dd>
    <dt>Workflow</dt><dd><code>${item.workflowId}</code></dd>`;
  switch (item.kind) {
    case 'onboarding':
      return html`<article class="item" data-key="${item.key}" aria-labelledby="h-${item.workflowId}">
  <h2 id="h-${item.workflowId}">Onboarding of ${item.tenantId}: group assignment in Okta</h2>
  <dl>${common}<dt>Assign in Okta</dt><dd><ul>${item.toAssign.map((a) => html`<li>${a}</li>`)}</ul></dd></dl>
  ${liveCheck(item.live)}
  ${decisionForm(item, ctx)}
</article>`;
    case 'access':
    case 'retirement':
      return html`<article class="item" data-key="${item.key}" aria-labelledby="h-${item.workflowId}">
  <h2 id="h-${item.workflowId}">${item.kind === 'access' ? `Access request of "${item.applicationName}"` : `Removal of the Okta client of deleted application "${item.applicationName}"`}</h2>
  <dl>${common}<dt>Contract</dt><dd>${item.contractId}${item.tier ? ` (tier ${item.tier})` : ''}</dd>
    <dt>${item.kind === 'access' ? 'Assign in Okta' : 'Okta client'}</dt><dd>client <code>${item.clientId ?? '—'}</code>${item.kind === 'access' ? html` → ${item.groups.map((g) => html`<code>${g}</code> `)}` : ''}</dd></dl>
  ${liveCheck(item.live)}
  ${decisionForm(item, ctx)}
</article>`;
    case 'offboarding':
      return html`<article class="item" data-key="${item.key}" aria-labelledby="h-${item.workflowId}">
  <h2 id="h-${item.workflowId}">Offboarding of ${item.tenantId}: confirm the removal list</h2>
  <dl>${common}<dt>Will remove</dt><dd><ol>${item.removals.map((r) => html`<li>${r.title} (${r.system}${r.id ? html`, <code>${r.id}</code>` : ''})</li>`)}</ol></dd></dl>
  ${decisionForm(item, ctx)}
</article>`;
  }
}

export function inboxMain(inbox: Inbox, ctx: PageContext): Html {
  return html`<h1>Waiting for a person</h1>
${inbox.items.length === 0 ? html`<p id="empty">Nothing waits for a person.</p>` : html`<p>${inbox.items.length} waiting.</p>`}
${inbox.items.map((i) => waitingItem(i, ctx))}`;
}

export interface TenantRow {
  tenant: TenantSummary;
  lastDrift?: DriftReport;
  waiting: number;
}

const driftText = (d?: DriftReport) => (!d ? '—' : d.error ? `could not check: ${d.error}` : d.clean ? `clean (${d.checkedAt})` : `${d.differences.length + d.missing.length} difference(s) (${d.checkedAt})`);

export function tenantsMain(rows: TenantRow[]): Html {
  return html`<h1>Tenants</h1>
${rows.length === 0 ? html`<p>No onboarding has run yet.</p>` : html`<table>
<caption>The latest onboarding run of every tenant</caption>
<thead><tr><th scope="col">Tenant</th><th scope="col">Phase</th><th scope="col">Last run</th><th scope="col">Last drift check</th><th scope="col">Waiting</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-tenant="${r.tenant.tenantId}"><th scope="row"><a href="/tenants/${encodeURIComponent(r.tenant.tenantId)}">${r.tenant.tenantId}</a></th><td class="phase">${r.tenant.phase ?? r.tenant.status.toLowerCase()}</td><td>${r.tenant.status.toLowerCase()}, started ${when(r.tenant.startTime)}</td><td>${driftText(r.lastDrift)}</td><td>${r.waiting}</td></tr>`)}</tbody>
</table>`}`;
}

const identityText = (identity?: ApproverIdentity) => (identity ? html` <span class="identity">(signed in: <code>${identity.subject}</code> at ${identity.issuer})</span>` : html` <span class="identity">(name typed at the CLI)</span>`);

function steps(list: StepProgress[]): Html {
  return html`<table class="steps"><thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Outcome</th><th scope="col">Id</th><th scope="col">Finished</th></tr></thead>
<tbody>${list.map((s) => html`<tr class="state-${s.state}"><td>${s.title}</td><td>${s.state}</td><td>${s.outcome ?? ''}</td><td>${s.resourceId ? html`<code>${s.resourceId}</code>` : ''}</td><td>${when(s.finishedAt)}</td></tr>${s.error ? html`<tr class="error"><td colspan="5">${s.error}</td></tr>` : ''}`)}</tbody></table>`;
}

export interface TenantPage {
  tenantId: string;
  runs: RunRecord[];
  record?: TenantRecordState;
  waiting: WaitingItem[];
}

export function tenantMain(page: TenantPage, ctx: PageContext): Html {
  const { record, runs } = page;
  const approvals: Html[] = [];
  const errors: Html[] = [];
  for (const run of runs) {
    const a = run.progress?.approval;
    if (a) approvals.push(html`<li>${run.status.toLowerCase()} run <code>${run.runId}</code>: approved by <strong>${a.approver}</strong>${identityText(a.identity)} at ${when(a.at)}${a.note ? html` — “${a.note}”` : ''}</li>`);
    if (run.progress?.error) errors.push(html`<li>run <code>${run.runId}</code> (${when(run.startTime)}): ${run.progress.error}</li>`);
  }
  for (const e of record?.events ?? []) {
    if (e.type === 'access' && e.decision) approvals.push(html`<li>access ${e.kind} of "${e.request.applicationName}": ${e.decision.decision === 'approve' ? 'approved' : 'rejected'} by <strong>${e.decision.by}</strong>${identityText(e.decision.identity)} at ${when(e.decision.at)}${e.decision.note ? html` — “${e.decision.note}”` : ''}</li>`);
    if (e.type === 'access' && (e.state === 'failed' || e.state === 'refused')) errors.push(html`<li>access ${e.kind} of "${e.request.applicationName}" ${e.state}: ${e.reason ?? ''}</li>`);
    if (e.type === 'rotation' && e.rotation.error) errors.push(html`<li>rotation of ${e.rotation.credential}: ${e.rotation.error}</li>`);
  }
  const id = encodeURIComponent(page.tenantId);
  return html`<h1>Tenant ${page.tenantId}</h1>
<p class="exports">Export the audit: <a href="/tenants/${id}/audit.json" download>JSON</a> · <a href="/tenants/${id}/audit.md" download>Markdown</a>${record ? '' : ' (no tenant record yet: the first run has not finished)'}</p>
${page.waiting.length > 0 ? html`<section aria-labelledby="h-waiting"><h2 id="h-waiting">Waiting for a person</h2>${page.waiting.map((w) => waitingItem(w, ctx))}</section>` : ''}
<section aria-labelledby="h-runs"><h2 id="h-runs">Runs</h2>
${runs.length === 0 ? html`<p>No run.</p>` : runs.map((r) => html`<details class="run" ${r === runs[0] ? 'open' : ''} data-run="${r.runId}"><summary><span class="run-status">${r.progress?.phase ?? r.status.toLowerCase()}</span> — ${r.status.toLowerCase()}, started ${when(r.startTime)}${r.closeTime ? html`, closed ${when(r.closeTime)}` : ''}</summary>${r.progress ? steps(r.progress.steps) : html`<p>No progress recorded.</p>`}</details>`)}
</section>
<section aria-labelledby="h-approvals"><h2 id="h-approvals">Approvals</h2>${approvals.length ? html`<ul id="approvals">${approvals}</ul>` : html`<p>None yet.</p>`}</section>
<section aria-labelledby="h-resources"><h2 id="h-resources">Resources created and kept</h2>
${record && record.resources.length > 0 ? html`<table><thead><tr><th scope="col">Resource</th><th scope="col">System</th><th scope="col">Id</th><th scope="col">Created</th></tr></thead><tbody>${record.resources.map((r) => html`<tr><td>${r.title}</td><td>${r.system}</td><td><code>${r.target.id ?? ''}</code></td><td>${when(r.createdAt)}</td></tr>`)}</tbody></table>` : html`<p>None recorded.</p>`}
</section>
<section aria-labelledby="h-errors"><h2 id="h-errors">Errors</h2>${errors.length ? html`<ul>${errors}</ul>` : html`<p>None.</p>`}</section>`;
}

export function messageMain(heading: string, text: string, more?: Html): Html {
  return html`<h1>${heading}</h1><p id="message" role="alert">${text}</p>${more ?? ''}`;
}
