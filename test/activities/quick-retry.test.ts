import { ExternalApiError, type ApiErrorKind } from '../../src/clients/errors';
import { QUICK_RETRY, withQuickRetry } from '../../src/activities/quick-retry';
import { DEFAULT_READ_RETRY, retryRead } from '../../src/clients/read-retry';

const apiError = (kind: ApiErrorKind, extra: Partial<ConstructorParameters<typeof ExternalApiError>[0]> = {}) =>
  new ExternalApiError({ system: 'okta', kind, operation: 'create group', detail: 'failed', fix: 'wait', ...extra });

/** A step that fails with `failures` in turn, then answers 'created'; counts its tries. */
function stepFailing(...failures: Error[]) {
  const step = async () => {
    step.tries++;
    const failure = failures.shift();
    if (failure) throw failure;
    return 'created';
  };
  step.tries = 0;
  return step;
}

describe('quick retries of a step inside the worker', () => {
  it('tries a step again in-process after a 5xx, a dropped connection and a short 429, so Temporal never sees them', async () => {
    const step = stepFailing(apiError('server', { status: 503 }), apiError('network'));
    await expect(withQuickRetry(step)).resolves.toBe('created');
    expect(step.tries).toBe(3);
    const rateLimited = stepFailing(apiError('rate_limited', { status: 429, retryAfterMs: 50 }));
    await expect(withQuickRetry(rateLimited)).resolves.toBe('created');
    expect(rateLimited.tries).toBe(2);
  });

  it('hands the failure to Temporal after QUICK_RETRY.attempts tries', async () => {
    const failures = Array.from({ length: QUICK_RETRY.attempts + 1 }, () => apiError('server', { status: 500 }));
    const step = stepFailing(...failures);
    await expect(withQuickRetry(step)).rejects.toBe(failures[QUICK_RETRY.attempts - 1]);
    expect(step.tries).toBe(QUICK_RETRY.attempts);
  });

  it('does not retry what a retry cannot cure, a 429 resetting later than it waits, an error whose bound counts Temporal attempts, or a create of a non-unique thing that may have gone through', async () => {
    for (const err of [
      apiError('validation', { status: 400 }),
      apiError('rate_limited', { status: 429, retryAfterMs: QUICK_RETRY.maxRateLimitWaitMs + 1 }),
      apiError('server', { status: 400, attemptLimit: 4 }),
      new Error('not an API error'),
      Object.assign(apiError('server', { status: 500, operation: 'create app' }), { createOutcomeUnknown: true }),
      Object.assign(apiError('server', { status: 503, operation: 'list groups' }), { repeatedInClient: true }),
    ]) {
      const step = stepFailing(err);
      await expect(withQuickRetry(step)).rejects.toBe(err);
      expect(step.tries).toBe(1);
    }
  });

  it('a read the client already repeated is not repeated again by the step: a failing GET is sent DEFAULT_READ_RETRY.attempts times per Temporal attempt, not that times QUICK_RETRY.attempts', async () => {
    let sends = 0;
    const failingRead = () => retryRead(async () => {
      sends++;
      throw apiError('server', { status: 503, operation: 'list groups' });
    }, { ...DEFAULT_READ_RETRY, initialDelayMs: 1 });
    await expect(withQuickRetry(failingRead)).rejects.toMatchObject({ repeatedInClient: true });
    expect(sends).toBe(DEFAULT_READ_RETRY.attempts);
  });
});
