import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { ENCRYPTED_ENCODING } from '../../src/temporal/codec';
import { getWorkflowBundle, testDataConverter } from '../support/temporal';
import { fixtureDataConverter, historyFixtures, RECORDING_SECRETS, SECRET_PATTERNS } from './history-fixtures';

/*
 * Recorded histories (scripts/record-histories.ts) replayed against the current workflow code: a
 * change that would break runs in flight (a step added, removed or reordered without a patch) makes
 * the replay fail with a nondeterminism error. Re-record after an intended, patched change.
 */
describe('replay of recorded onboarding histories', () => {
  const fixtures = historyFixtures();

  it('has the completed, the failed-and-rolled-back and the cancelled run, and a run of an earlier version', () => {
    // completed-before-sso-groups: recorded before okta.ssoApp.groups existed; its input has no such field.
    expect(fixtures.map((f) => f.workflowId)).toEqual(['cancelled', 'completed-before-sso-groups', 'completed', 'contract-refused']);
    const { EventType } = temporal.api.enums.v1;
    const closing = (f: (typeof fixtures)[number]) => EventType[f.history.events!.at(-1)!.eventType!];
    expect(fixtures.map((f) => [f.workflowId, closing(f)])).toEqual([
      ['cancelled', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
      ['completed-before-sso-groups', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['completed', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['contract-refused', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
    ]);
  });

  it('replays every fixture with the data converter it was recorded with', async () => {
    const results = Worker.runReplayHistories(
      { workflowBundle: getWorkflowBundle('onboarding'), dataConverter: fixtureDataConverter() },
      fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history })),
    );
    const outcomes: Record<string, string> = {};
    for await (const r of results) outcomes[r.workflowId] = r.error ? String(r.error) : 'ok';
    expect(outcomes).toEqual(Object.fromEntries(fixtures.map((f) => [f.workflowId, 'ok'])));
  });

  it('cannot replay without the recording key: the fixtures are really encrypted', async () => {
    const completed = fixtures.find((f) => f.workflowId === 'completed')!;
    await expect(
      Worker.runReplayHistory({ workflowBundle: getWorkflowBundle('onboarding'), dataConverter: testDataConverter() }, completed.history, completed.workflowId),
    ).rejects.toThrow(/Replay failed due workflow task failure/); // the input could not be decoded
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s holds no plaintext secret', (_file, fixture) => {
    for (const secret of Object.values(RECORDING_SECRETS)) expect(fixture.text).not.toContain(secret);
    for (const pattern of SECRET_PATTERNS) expect(fixture.text).not.toMatch(pattern);
    // Every payload of the workflow's input, activities and results is encrypted.
    const started = fixture.history.events![0].workflowExecutionStartedEventAttributes!;
    for (const payload of started.input!.payloads!) expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  });
});
