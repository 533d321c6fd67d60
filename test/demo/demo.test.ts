import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { secretsOf } from '../support/inventory';
import { TEST_ADDRESS_VAR } from '../support/temporal-bundles';
import { uniqueTaskQueue } from '../support/temporal';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

const stateOf = (stateDir: string, name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.json`), 'utf8'));
/** Okta's state file exists once something was written there: an OpenAM-only demo writes nothing to Okta. */
const secretsIn = (stateDir: string) =>
  secretsOf({ okta: existsSync(join(stateDir, 'okta.json')) ? stateOf(stateDir, 'okta') : { apiTokens: [], apps: {} }, anypoint: stateOf(stateDir, 'anypoint') });

/*
 * The README's main command, run as a user runs it (a child process with the demo's fixed sandbox
 * ports), against this run's Temporal server instead of starting an embedded one.
 */
describe('npm run demo', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'demo-sandbox-'));
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: process.env[TEST_ADDRESS_VAR],
    ONBOARDING_TASK_QUEUE: uniqueTaskQueue('demo'),
    ONBOARDING_CODEC_KEY: randomBytes(32).toString('base64'),
    // The demo must work from the example file alone: nothing may come from the test's environment.
    OKTA_API_TOKEN: '',
    ANYPOINT_CLIENT_ID: '',
    ANYPOINT_CLIENT_SECRET: '',
    OPENAM_INITIAL_ACCESS_TOKEN: '',
    OPENAM_INTROSPECTION_CLIENT_SECRET: '',
  };
  const demo = (...args: string[]) => promisify(execFile)(TSX, ['src/demo.ts', '--state-dir', stateDir, ...args], { cwd: ROOT, env, maxBuffer: 10 * 1024 * 1024 });
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('onboards the example tenant through the pause and the proof; a second demo writes nothing; no secret is printed', async () => {
    const first = await demo('--fresh');
    expect(first.stdout).toContain('Paused: an Okta admin must assign the client Anypoint registered to its group');
    expect(first.stdout).toMatch(/npm run cli -- approve solar-system --by <your name>/);
    expect(first.stdout).toMatch(/as the Okta admin: assigned client \w+ \("Solar System Silver"\) to group silverSubscribers/);
    expect(first.stdout).toContain('▸ Result: completed');
    // Its console, unless another demo on this machine holds the port.
    expect(first.stdout).toMatch(/web console (http:\/\/127\.0\.0\.1:\d+ \(sign in as approver@example\.com|not started: port \d+ is taken)/);
    expect(first.stdout).toMatch(/✓ GET \/planets without a token → 401[\s\S]*✓ GET \/planets with the token → 200[\s\S]*✓ GET \/moons with the token → 403/);
    // Counted as the plan counts: resources and the SSO redirect-URI write-back, not the pause.
    expect(first.stdout).toMatch(/27 created, 1 updated, 1 unchanged/);
    expect(first.stdout).toMatch(/and "Solar System Gold" with scopes \[silver gold\]: ✓ GET \/planets → 200, ✓ GET \/moons → 200/);
    expect(first.stdout).toMatch(/✓ carl\.sagan@example\.com signs in through Okta: authorization_code\+pkce token: ✓ \/planets \(header\) → 200/);
    expect(first.stdout).toMatch(/✓ jocelyn\.bell@example\.com signs in through Okta \(must be refused\): authorization_code\+pkce refused; implicit refused/);
    expect(first.stdout).toMatch(/Sign in to Anypoint through Okta at: http:\/\/127\.0\.0\.1:18081\/login\/domain\/\S+/);
    expect(first.stdout).toMatch(/credentials: the Okta API token \(OKTA_API_TOKEN\) in .*okta\.json/);
    expect(first.stdout).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace

    const second = await demo();
    expect(second.stdout).not.toContain('Paused');
    expect(second.stdout).toContain('0 writes to Okta, 0 to Anypoint');
    expect(second.stdout).toContain('▸ Result: completed');

    const output = [first.stdout, first.stderr, second.stdout, second.stderr].join('\n');
    const secrets = secretsIn(stateDir);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT (access token) either
  });

  it('--openam onboards the RFC 7591 example on the OpenAM emulator through the confirmation and the proof; a second demo writes nothing', async () => {
    const first = await demo('--fresh', '--openam');
    expect(first.stdout).toContain('Onboarding tenant "solar-system-openam" from examples/solar-system-openam.tenant.yaml');
    expect(first.stdout).toContain('Paused: a person must confirm the clients Anypoint registered at the OpenAM provider');
    expect(first.stdout).toMatch(/to confirm: Solar System Silver \(OpenAM\) \(\S+\) → access confirmed by a person/);
    expect(first.stdout).not.toMatch(/✓ Okta/);
    expect(first.stdout).toContain('▸ Result: completed');
    expect(first.stdout).toMatch(/✓ GET \/planets without a token → 401[\s\S]*✓ GET \/planets with the token → 200[\s\S]*✓ GET \/moons with the token → 403/);
    expect(first.stdout).toMatch(/0 writes to Okta, \d+ to Anypoint, 1 to OpenAM \(Anypoint's registrations\)/);

    const second = await demo('--openam');
    expect(second.stdout).not.toContain('Paused');
    expect(second.stdout).toContain("0 writes to Okta, 0 to Anypoint, 0 to OpenAM (Anypoint's registrations)");
    expect(second.stdout).toContain('▸ Result: completed');

    const openam = stateOf(stateDir, 'openam');
    const providerSecrets = [openam.initialAccessToken, openam.introspectionClient.clientSecret, ...Object.values(openam.models.Client ?? {}).map((c) => (c as { payload: { client_secret: string } }).payload.client_secret)];
    const output = [first.stdout, first.stderr, second.stdout, second.stderr].join('\n');
    for (const secret of [...providerSecrets, ...secretsIn(stateDir)]) expect(output).not.toContain(secret);
  });

  it('--interactive waits at the pause; the printed Okta call and the CLI approve from another terminal finish the run', async () => {
    const child = spawn(TSX, ['src/demo.ts', '--state-dir', stateDir, '--fresh', '--interactive'], { cwd: ROOT, env });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    for (let i = 0; i < 1200 && !stdout.includes('Waiting for that approval'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('Waiting for that approval');
    expect(stdout).not.toContain('as the Okta admin: assigned');

    // What the user copies: the export reads the token from the state file; the curl names the ids.
    const exportLine = /export OKTA_API_TOKEN=\$\(node -p "require\('(.+)'\)\.apiTokens\[0\]\.token"\)/.exec(stdout);
    expect(exportLine?.[1]).toBe(join(stateDir, 'okta.json'));
    const token = JSON.parse(readFileSync(exportLine![1], 'utf8')).apiTokens[0].token as string;
    const calls = [...stdout.matchAll(/curl -X PUT -H "Authorization: SSWS \$OKTA_API_TOKEN" -H 'Content-Type: application\/json' -d '\{\}' (\S+)/g)];
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) {
      const assigned = await request(call[1], { method: 'PUT', headers: { authorization: `SSWS ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(assigned.statusCode).toBe(200);
      await assigned.body.dump();
    }

    const approve = await promisify(execFile)(TSX, ['src/client.ts', 'approve', 'solar-system', '--by', 'ada', '--note', 'assigned by hand'], { cwd: ROOT, env });
    expect(approve.stdout).toContain('Approved by ada');
    const code = await exited;
    if (code !== 0) throw new Error(`the demo exited ${code}:\n${stdout.split('\n').slice(-80).join('\n')}`);
    expect(stdout).toContain('▸ Result: completed');
    expect(stdout).toContain('approved by ada');
    expect(stdout).not.toContain(token);
  });
});
