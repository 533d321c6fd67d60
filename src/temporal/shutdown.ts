/**
 * Ordered, idempotent shutdown for long-running local processes (dev stack, demo): things started
 * later stop first (worker before connection before server), and one failing step does not keep
 * the others running.
 */
export class ShutdownStack {
  private readonly steps: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping?: Promise<void>;

  /** Registers a cleanup; it runs before every cleanup registered earlier. */
  add(name: string, stop: () => Promise<void> | void): void {
    this.steps.push({ name, stop });
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Runs every cleanup once, newest first; later calls return the same promise. */
  stopAll(log: (message: string) => void = console.error): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.stop();
        } catch (err) {
          log(`stopping ${step.name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.stopping;
  }
}

/**
 * First SIGINT/SIGTERM: stop the stack gracefully, then exit 0. A second one: exit at once (the
 * dev server child is still sent SIGTERM by its exit hook). Returns a function removing the handlers.
 */
export function stopOnSignals(stack: ShutdownStack, log: (message: string) => void = console.error): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stack.isStopping) {
      log(`${signal} again: exiting without waiting.`);
      process.exit(1);
    }
    log(`${signal}: shutting down (press Ctrl-C again to force)…`);
    void stack.stopAll(log).then(() => {
      log('stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
