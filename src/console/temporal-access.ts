import { isGrpcDeadlineError, isGrpcServiceError, type Client } from '@temporalio/client';
import { connectClient, TemporalConnectionError, type ConnectedClient, type TemporalSettings } from '../temporal/connection';
import type { DataConverter } from '@temporalio/common';

/*
 * The console's way to Temporal: connected on first need and again after a failed attempt, so a
 * console started before the server (or left running while it restarts) recovers by itself. Every
 * call has a deadline: a page says "Temporal is unreachable" instead of hanging.
 */

export interface TemporalSource {
  client(): Promise<Client>;
  /** Where it connects, for the message when it cannot. */
  readonly address: string;
}

export class LazyTemporal implements TemporalSource {
  private connecting?: Promise<ConnectedClient>;

  constructor(
    private readonly settings: TemporalSettings,
    private readonly dataConverter: DataConverter,
  ) {}

  get address(): string {
    return this.settings.address ?? '127.0.0.1:7233';
  }

  async client(): Promise<Client> {
    this.connecting ??= connectClient(this.settings, this.dataConverter).catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return (await this.connecting).client;
  }

  async close(): Promise<void> {
    const connected = await this.connecting?.catch(() => undefined);
    await connected?.close();
  }
}

/** A client someone else connected (the demo's, a test's). */
export const fixedTemporal = (client: Client, address: string): TemporalSource => ({ client: async () => client, address });

/** Runs `fn` with a client and a deadline. */
export async function withTemporal<T>(source: TemporalSource, ms: number, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await source.client();
  return client.connection.withDeadline(Date.now() + ms, () => fn(client));
}

const UNAVAILABLE = 14;

/** True when the failure says Temporal could not be reached (not that it refused something). */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof TemporalConnectionError) return true;
    if (isGrpcDeadlineError(e)) return true;
    if (isGrpcServiceError(e) && e.code === UNAVAILABLE) return true;
  }
  return false;
}
