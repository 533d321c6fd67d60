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

  it('has the completed, the failed-and-rolled-back, the cancelled and the natively cancelled run, and runs of earlier versions', () => {
    // completed-before-sso-groups: recorded before okta.ssoApp.groups existed; its input has no such field.
    // *-before-tenant-record: recorded before runs told the tenant record (the 'tenant-record' patch).
    // parallel-steps: steps started as their data allow (the 'parallel-steps' patch); the others replay the old order.
    // org-admission: waited for a slot of its Okta org before building (the 'org-admission' patch).
    // watch-before-patches: a consumer watcher of the shipped version (a request, a reconfigure, a retirement),
    // before its ids named the client and it relocated or kept nudges (the watchers' patches).
    expect(fixtures.map((f) => f.workflowId)).toEqual([
      'cancelled-before-tenant-record',
      'cancelled',
      'completed-before-sso-groups',
      'completed-before-tenant-record',
      'completed',
      'contract-refused-before-tenant-record',
      'contract-refused',
      'native-cancel',
      'org-admission',
      'parallel-steps',
      'watch-before-patches',
    ]);
    const { EventType } = temporal.api.enums.v1;
    const closing = (f: (typeof fixtures)[number]) => EventType[f.history.events!.at(-1)!.eventType!];
    expect(fixtures.map((f) => [f.workflowId, closing(f)])).toEqual([
      ['cancelled-before-tenant-record', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
      ['cancelled', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
      ['completed-before-sso-groups', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['completed-before-tenant-record', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['completed', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['contract-refused-before-tenant-record', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
      ['contract-refused', 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'],
      // Since the 'native-cancel' patch a cancellation request ends the run CANCELED, after its rollback.
      ['native-cancel', 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED'],
      ['org-admission', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['parallel-steps', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
      ['watch-before-patches', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'],
    ]);
    // The current runs tell the tenant record; the earlier ones do not, and replay without it.
    const recordsTo = (f: (typeof fixtures)[number]) => f.history.events!.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordTenantEvent');
    expect(fixtures.filter(recordsTo).map((f) => f.workflowId)).toEqual(['cancelled', 'completed', 'contract-refused', 'native-cancel', 'org-admission', 'parallel-steps']);
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
