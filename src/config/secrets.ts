import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A secret is never written in a tenant file, only where to find it. */
export const SecretRef = z.union([
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as OKTA_API_TOKEN') })
    .strict()
    .describe('Read the secret from this environment variable of the worker.'),
  z
    .object({ file: z.string().min(1, 'must be a file path') })
    .strict()
    .describe('Read the secret from this file (trimmed); a relative path is relative to the tenant file.'),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** Thrown when a referenced secret cannot be read. Names the reference, never the value. */
export class SecretReferenceError extends Error {
  readonly code = 'SECRET_REFERENCE_UNRESOLVED';
  override readonly name = 'SecretReferenceError';

  constructor(
    /** Human description of the reference, e.g. `environment variable OKTA_API_TOKEN`. */
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/**
 * Reads a secret from its reference (environment variable or file, trimmed). Called inside
 * activities only, so secrets never enter workflow history. Errors name the reference, never the value.
 */
export function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  const where = describeSecretRef(ref);
  let value: string | undefined;
  if ('env' in ref) {
    value = env[ref.env];
  } else {
    try {
      value = readFileSync(ref.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new SecretReferenceError(where, `Cannot read the secret from ${where} (${code}). Fix: create the file, make it readable by the worker, or point the reference elsewhere.`);
    }
  }
  value = value?.trim();
  if (!value) {
    const fix = 'env' in ref ? `export ${ref.env} in the worker's environment` : `write the secret into ${ref.file}`;
    throw new SecretReferenceError(where, `The secret in ${where} is missing or empty. Fix: ${fix} before starting the worker.`);
  }
  return value;
}
