import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretReferenceError, resolveSecretRef } from '../../src/config/secrets';

const dir = mkdtempSync(join(tmpdir(), 'secret-ref-'));

describe('secret references', () => {
  it('reads an environment variable, trimmed', () => {
    expect(resolveSecretRef({ env: 'X_TOKEN' }, { X_TOKEN: ' abc \n' })).toBe('abc');
  });

  it('reads a file, trimmed', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'file-secret\n');
    expect(resolveSecretRef({ file })).toBe('file-secret');
  });

  it('names a missing or empty variable, never a value', () => {
    for (const env of [{}, { X_TOKEN: '   ' }]) {
      let error: unknown;
      try {
        resolveSecretRef({ env: 'X_TOKEN' }, env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SecretReferenceError);
      expect(error).toMatchObject({ code: 'SECRET_REFERENCE_UNRESOLVED', reference: 'environment variable X_TOKEN', message: expect.stringContaining('export X_TOKEN') });
    }
  });

  it('names an unreadable file and an empty one', () => {
    expect(() => resolveSecretRef({ file: join(dir, 'absent') })).toThrow(/Cannot read the secret from file .*absent \(ENOENT\)/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => resolveSecretRef({ file: empty })).toThrow(SecretReferenceError);
  });
});
