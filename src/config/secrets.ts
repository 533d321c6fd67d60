import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A secret is never written in a tenant file, only where to find it. */
export const SecretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

export class SecretReferenceError extends Error {
  readonly code = 'SECRET_REFERENCE_UNRESOLVED';
}

const describe = (ref: SecretRef) => ('env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`);

/** Reads a secret from its reference. Errors name the reference, never the value. */
export function resolveSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  let value: string | undefined;
  if ('env' in ref) value = env[ref.env];
  else {
    try {
      value = readFileSync(ref.file, 'utf8');
    } catch (err) {
      throw new SecretReferenceError(`Cannot read the secret from ${describe(ref)}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}. Fix: create the file or point the reference elsewhere.`);
    }
  }
  value = value?.trim();
  if (!value) throw new SecretReferenceError(`The secret in ${describe(ref)} is missing or empty. Fix: set it before starting the worker.`);
  return value;
}
