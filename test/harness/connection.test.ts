import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, loadTemporalSettings } from '../../src/temporal/connection';

describe('Temporal connection settings (envconfig conventions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'envconfig-'));
  // HOME points at an empty folder so a developer's ~/.config/temporalio/temporal.toml cannot leak in.
  const base = { HOME: dir, XDG_CONFIG_HOME: join(dir, '.config') };

  it('is unconfigured without an address: local commands then start the embedded server', () => {
    expect(loadTemporalSettings(base)).toEqual({ namespace: 'default', configured: false, address: undefined, tls: undefined, apiKey: undefined, metadata: undefined });
  });

  it('takes TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY (an API key implies TLS)', () => {
    const settings = loadTemporalSettings({ ...base, TEMPORAL_ADDRESS: 'acme.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'acme.a1b2c', TEMPORAL_API_KEY: 'k' });
    expect(settings).toMatchObject({ address: 'acme.tmprl.cloud:7233', namespace: 'acme.a1b2c', apiKey: 'k', tls: true, configured: true });
  });

  it('reads a profile from TEMPORAL_CONFIG_FILE chosen by TEMPORAL_PROFILE; env vars still override', () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(file, ['[profile.default]', 'address = "localhost:7233"', '', '[profile.staging]', 'address = "staging.internal:7233"', 'namespace = "onboarding"', '[profile.staging.tls]', 'server_name = "staging.internal"'].join('\n'));
    expect(loadTemporalSettings({ ...base, TEMPORAL_CONFIG_FILE: file })).toMatchObject({ address: 'localhost:7233', configured: true });
    const staging = loadTemporalSettings({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });
    expect(staging).toMatchObject({ address: 'staging.internal:7233', namespace: 'onboarding', tls: { serverNameOverride: 'staging.internal' } });
    expect(loadTemporalSettings({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging', TEMPORAL_NAMESPACE: 'other' }).namespace).toBe('other');
  });

  it('names the profile when it does not exist', () => {
    const file = join(dir, 'one-profile.toml');
    writeFileSync(file, '[profile.default]\naddress = "localhost:7233"\n');
    expect(() => loadTemporalSettings({ ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' })).toThrow(
      expect.objectContaining({ code: 'TEMPORAL_CONFIG_INVALID', message: expect.stringMatching(/TEMPORAL_PROFILE=nope.*Profile 'nope' not found/) }),
    );
  });

  it('says how to start a server when none answers', async () => {
    await expect(connectClient({ address: '127.0.0.1:1', namespace: 'default', configured: false })).rejects.toMatchObject({
      code: 'TEMPORAL_UNREACHABLE',
      message: expect.stringMatching(/Cannot reach Temporal at 127.0.0.1:1.*npm run dev/),
    });
  });
});
