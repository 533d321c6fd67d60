/**
 * Waits for a state that comes about asynchronously (a workflow's progress, a sandbox's request log):
 * `probe` is asked again every `everyMs` until it returns a value, which is returned. A state that
 * never comes fails the test by name after `timeoutMs`; no test asserts how long it took.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs?: number; everyMs?: number; retryErrors?: boolean } = {}): Promise<T> {
  const { timeoutMs = 60_000, everyMs = 50, retryErrors = false } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/** `eventually` for a yes/no check. */
export async function until(what: string, check: () => Promise<boolean>, opts: { timeoutMs?: number; everyMs?: number; retryErrors?: boolean } = {}): Promise<void> {
  await eventually(what, async () => ((await check()) ? true : undefined), opts);
}
