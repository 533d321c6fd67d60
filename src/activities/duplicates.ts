import { log } from '@temporalio/activity';
import type { OktaClient, OktaOidcApp } from '../clients/okta';
import { ExternalApiError } from '../clients/errors';
import { activitySleep, currentContext } from './context';

/*
 * Okta app labels are not unique, and its lists trail its writes. A create whose response was
 * lost (or whose worker died while it was in flight) may have made an app; the step's retry looks
 * the label up first, but while the lists still hide that app it creates a second one. Nothing
 * the API offers prevents that (no idempotency key, no unique label), so the retry that created
 * checks afterwards: it waits until the list shows the app it has just made (from then on the list
 * also shows any app made before it), and removes every other app of the label that this step
 * made, saying so in the step's result and the worker's log.
 *
 * "Made by this step": an OpenID Connect app of exactly this label and application type, created
 * after the step was first scheduled (less a margin for the clock difference between the worker
 * and Okta) and before the app this try made. The step runs only because the plan found no app of
 * the label (or adopted none), so an app that fits is the earlier try's; one made by someone else
 * in those seconds, under the same label, is the only thing it could be mistaken for.
 */

/** How far Okta's clock may be behind the worker's when comparing `created` with the step's scheduling. */
const CLOCK_MARGIN_MS = 5_000;
/** Waits for the list to show the new app: 0.25 s doubling, about 8 s in all (as for "already exists"). */
const FIRST_WAIT_MS = 250;
const LAST_WAIT_MS = 4_000;
/** Tries of one removal before it is reported as left for a person. */
const REMOVAL_TRIES = 3;

/** When the step was first scheduled (the worker's clock), or undefined outside an activity. */
function stepScheduledAt(): number | undefined {
  return currentContext()?.info.scheduledTimestampMs;
}

/**
 * After `created` was made on a retry: removes the other apps of its label that this step made,
 * and returns one line for each, to report. Never throws for a removal that fails: the step did
 * converge, and the line says what is left to remove by hand.
 */
export async function removeDuplicatesOf(okta: OktaClient, created: OktaOidcApp): Promise<string[]> {
  const since = stepScheduledAt();
  if (since === undefined) return [];
  const listed = await listShowing(okta, created);
  if (!listed) {
    const line = `Okta app "${created.label}" was created again on a retry, and Okta's list did not show it within 8 s: an app the earlier try may have made could not be looked for. Check for a second app labelled "${created.label}" and delete the one that is not ${created.id}.`;
    log.warn(line, { appId: created.id });
    return [line];
  }
  const createdAt = Date.parse(String(created.created ?? '')) || Date.now();
  const type = created.settings?.oauthClient?.application_type;
  const twins = listed.filter((app) => {
    if (app.id === created.id || app.settings?.oauthClient?.application_type !== type) return false;
    const at = Date.parse(String(app.created ?? ''));
    return Number.isFinite(at) && at >= since - CLOCK_MARGIN_MS && at <= createdAt;
  });
  const lines: string[] = [];
  for (const twin of twins) {
    const removed = await removeWithRetries(okta, twin.id);
    const line = removed
      ? `Removed a duplicate Okta app "${twin.label}" (${twin.id}, created ${String(twin.created)}): an earlier try's create, whose response was lost, had made it while Okta's list did not show it yet; ${created.id} is kept.`
      : `A duplicate Okta app "${twin.label}" (${twin.id}, created ${String(twin.created)}) made by an earlier try of this step could not be removed: delete it by hand; ${created.id} is the one the onboarding uses.`;
    log.warn(line, { appId: created.id, duplicateId: twin.id });
    lines.push(line);
  }
  return lines;
}

/** The apps of the label once the list shows `created`, or undefined if it never did in time. */
async function listShowing(okta: OktaClient, created: OktaOidcApp): Promise<OktaOidcApp[] | undefined> {
  for (let waitMs = FIRST_WAIT_MS; ; waitMs *= 2) {
    const apps = await okta.listOidcAppsByLabel(created.label);
    if (apps.some((a) => a.id === created.id)) return apps;
    if (waitMs > LAST_WAIT_MS) return undefined;
    await activitySleep(waitMs);
  }
}

async function removeWithRetries(okta: OktaClient, appId: string): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      await okta.deleteApp(appId);
      return true;
    } catch (err) {
      if (!(err instanceof ExternalApiError) || !err.retryable || i >= REMOVAL_TRIES) return false;
      await activitySleep(100 * 2 ** i);
    }
  }
}

