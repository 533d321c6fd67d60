import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../../src/temporal/binaries';
import { DEFAULT_RETENTION_DAYS, freePort, startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { TENANT_ID } from '../../src/temporal/search-attributes';
import { uniqueId } from '../support/temporal';

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('the embedded dev server', () => {
  const cliPath = ensureTemporalCli();
  const servers: RunningDevServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  it('keeps runs in SQLite across a restart, with the search attributes registered', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'dev-server-')), 'temporal.db');
    const port = await freePort();
    const options = { cliPath, port, uiPort: false as const, dbFile, detached: false };
    const workflowId = uniqueId('persisted');

    const first = await startDevServer(options);
    servers.push(first);
    await withClient(first.address, (client) =>
      // No worker needed: the run is recorded as soon as it starts.
      client.workflow.start('onboardTenant', { taskQueue: uniqueId('nobody-polls'), workflowId, typedSearchAttributes: [{ key: TENANT_ID, value: 'acme' }] }),
    );
    await first.stop();

    const second = await startDevServer(options);
    servers.push(second);
    const description = await withClient(second.address, (client) => client.workflow.getHandle(workflowId).describe());
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(TENANT_ID)).toBe('acme');
    await second.stop();
  });

  it('keeps closed runs for 30 days, not the 24 hours the CLI gives a namespace', async () => {
    const server = await startDevServer({ cliPath, port: await freePort(), uiPort: false, dbFile: false, detached: false });
    servers.push(server);
    const { namespaceInfo, config } = await withClient(server.address, (client) => client.workflowService.describeNamespace({ namespace: 'default' }));
    expect(namespaceInfo?.name).toBe('default');
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(DEFAULT_RETENTION_DAYS * 86_400);
    expect(DEFAULT_RETENTION_DAYS).toBe(30);
    await server.stop();
  });

  it('refuses a port that is already taken, and says how to use the server there', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDevServer({ cliPath, port, uiPort: false, dbFile: false })).rejects.toMatchObject({
        code: 'TEMPORAL_PORT_IN_USE',
        message: expect.stringContaining(`set TEMPORAL_ADDRESS=127.0.0.1:${port}`),
      });
    } finally {
      blocker.close();
    }
  });

  it.each(['/bin/false', '/nonexistent/temporal'])('reports a CLI that cannot start (%s) instead of waiting', async (path) => {
    await expect(startDevServer({ cliPath: path, port: 0, uiPort: false, dbFile: false, startTimeoutMs: 5000 })).rejects.toMatchObject({ code: 'TEMPORAL_DEV_SERVER_EXITED' });
  });
});
