import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../../src/temporal/binaries';
import { createDataConverter } from '../../src/temporal/data-converter';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { startTestTemporal, uniqueId, uniqueTaskQueue } from '../support/temporal';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const run = promisify(execFile);

/*
 * `npm run temporal -- …` is the project's Temporal CLI with a codec: a payload the CLI alone shows as
 * ciphertext reads in plain text through it, with the keys of the calling terminal.
 */
/** The first payload of the run's input in `workflow show --output json`: its encoding and data, decoded from base64. */
function inputOf(showJson: string): { encoding: string; data: string } {
  const [payload] = JSON.parse(showJson).events[0].workflowExecutionStartedEventAttributes.input.payloads;
  const text = (b64: string) => Buffer.from(b64, 'base64').toString();
  return { encoding: text(payload.metadata.encoding), data: text(payload.data) };
}

describe('npm run temporal', () => {
  let env: TestWorkflowEnvironment;
  const key = randomBytes(32).toString('base64');
  const settings = () => ({ ...process.env, TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR], ONBOARDING_CODEC_KEY: key, TEMPORAL_CODEC_ENDPOINT: '' });

  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(() => env?.teardown());

  it('shows a workflow\'s encrypted input decrypted; the plain CLI shows ciphertext', async () => {
    const marker = `passthrough-${randomBytes(4).toString('hex')}`;
    const client = new Client({ connection: env.connection, dataConverter: createDataConverter({ ONBOARDING_CODEC_KEY: key }) });
    const workflowId = uniqueId('passthrough');
    // No worker polls this queue: the run only has to exist, with its encrypted input.
    const handle = await client.workflow.start('planTenant', { taskQueue: uniqueTaskQueue('passthrough'), workflowId, args: [{ marker }] });
    try {
      const through = await run(TSX, ['scripts/temporal.ts', 'workflow', 'show', '-w', workflowId, '--output', 'json'], { cwd: ROOT, env: settings() });
      expect(inputOf(through.stdout)).toEqual({ encoding: 'json/plain', data: JSON.stringify({ marker }) });
      const plain = await run(ensureTemporalCli(), ['workflow', 'show', '-w', workflowId, '--output', 'json'], { cwd: ROOT, env: settings() });
      expect(inputOf(plain.stdout).encoding).toBe('binary/encrypted');
      expect(inputOf(plain.stdout).data).not.toContain(marker);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('passes the exit code through', async () => {
    await expect(run(TSX, ['scripts/temporal.ts', 'workflow', 'describe', '-w', uniqueId('no-such-workflow')], { cwd: ROOT, env: settings() })).rejects.toMatchObject({ code: 1 });
  });
});
