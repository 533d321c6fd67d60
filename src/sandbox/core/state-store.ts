import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Holds one emulator's whole state as a plain JSON-serialisable object.
 * In memory by default; with a directory it loads on start and writes atomically
 * (temp file + rename) after every mutating request, so a restart loses nothing.
 */
export class StateStore<S> {
  private current: S;
  private readonly file?: string;

  constructor(
    name: string,
    private readonly seed: () => S,
    dir?: string,
  ) {
    if (dir) {
      mkdirSync(dir, { recursive: true });
      this.file = join(dir, `${name}.json`);
    }
    this.current = this.file && existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as S) : seed();
  }

  get state(): S {
    return this.current;
  }

  get persistent(): boolean {
    return this.file !== undefined;
  }

  /** Replaces the state with a freshly seeded one (admin reset). */
  reset(): void {
    this.current = this.seed();
    this.persist();
  }

  persist(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.current));
    renameSync(tmp, this.file);
  }
}
