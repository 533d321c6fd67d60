import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const COMPILED = resolve(ROOT, 'dist/client.js');

/*
 * The compiled CLI (`npx onboarding`, the package's bin) as users run it, built afresh: the verbs it
 * loads lazily must load from dist/ too (a dynamic import() of a path without its extension, kept as
 * such in CommonJS output, fails in Node's ESM resolver; `npm run cli` with tsx never shows it).
 */
describe('the compiled CLI (dist/client.js)', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe' });
  });
  const run = (...args: string[]) => spawnSync(process.execPath, [COMPILED, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('validates a tenant file (a lazily loaded module) and refuses a bad one with exit 2', () => {
    const good = run('validate', 'examples/solar-system.tenant.yaml');
    expect([good.status, good.stderr]).toEqual([0, '']);
    expect(good.stdout).toContain('examples/solar-system.tenant.yaml is a valid tenant file: tenant solar-system');
    const bad = run('validate', 'test/fixtures/bad-syntax.tenant.yaml');
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toContain('Cannot find module');
  });

  it('prints its help', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: onboarding');
  });
});
