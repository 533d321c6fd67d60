type AsyncFn = (...args: never[]) => Promise<unknown>;

/**
 * Wraps every function of an activity module with `around`, keeping each function's name (the
 * worker registers activities by name).
 */
export function wrapEach<T extends Record<string, AsyncFn>>(fns: T, around: (call: () => Promise<unknown>) => Promise<unknown>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(fns)) {
    wrapped[name] = (...args: never[]) => around(() => fn(...args));
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
