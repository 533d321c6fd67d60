/*
 * A worker in a process of its own, for tests that kill it (SIGKILL) in the middle of a run: the
 * real activities and the prebuilt workflow bundle. Everything comes from the environment:
 *   WORKER_TEMPORAL_ADDRESS  the Temporal server         WORKER_TASK_QUEUE   the queue to poll
 *   WORKER_WORKFLOW_BUNDLE   path of the bundle          ONBOARDING_CODEC_KEY  the test client's key (as for any worker)
 * plus the secrets the tenant file names (OKTA_API_TOKEN, ...), inherited from the test.
 * Prints "worker ready" once polling starts. Run with `node --import tsx`.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../../src/activities';
import { createDataConverter } from '../../../src/temporal/data-converter';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  // Warnings only, on stderr: the test shows them if the run fails.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: required('WORKER_TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: required('WORKER_TASK_QUEUE'),
    workflowBundle: { codePath: required('WORKER_WORKFLOW_BUNDLE') },
    activities,
    dataConverter: createDataConverter({ ONBOARDING_CODEC_KEY: required('ONBOARDING_CODEC_KEY') }),
  });
  const running = worker.run();
  process.stdout.write('worker ready\n');
  await running;
  await connection.close();
}

main().catch((err: Error) => {
  process.stderr.write(`worker process failed: ${err.message}\n`);
  process.exit(1);
});
