import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from './server';
import { FaultSpec, FaultSpecError } from './faults';

/** No Okta or Anypoint path starts with this, so the admin API can never shadow a real endpoint. */
export const ADMIN_PREFIX = '/__sandbox';

/**
 * The admin API every sandbox service shares:
 * - `GET  /__sandbox/state`            dump the whole state
 * - `POST /__sandbox/reset`            reseed the state, clear faults, log and rate-limit windows
 * - `GET  /__sandbox/requests?since=N` request log with exact counts per `METHOD route`
 * - `DELETE /__sandbox/requests`       clear the log
 * - `GET|POST|DELETE /__sandbox/faults[/:id]` fault injection rules
 * - `GET|PUT /__sandbox/faults-seed`     `{ seed }` of the fault randomness (null: unseeded); PUT clears the rules
 */
export function registerAdminRoutes<S>(app: FastifyInstance, ctx: SandboxContext<S>): void {
  app.get('/state', async () => ctx.state);

  app.post('/reset', async (_req, reply) => {
    ctx.store.reset();
    ctx.faults.clear();
    ctx.log.clear();
    ctx.rateLimiter.clear();
    return reply.code(204).send();
  });

  app.get<{ Querystring: { since?: string } }>('/requests', async (req) => ctx.log.snapshot(Number(req.query.since ?? 0)));

  app.delete('/requests', async (_req, reply) => {
    ctx.log.clear();
    return reply.code(204).send();
  });

  app.get('/faults', async () => ctx.faults.list());

  app.post<{ Body: FaultSpec }>('/faults', async (req, reply) => {
    try {
      return reply.code(201).send(ctx.faults.add(req.body));
    } catch (err) {
      if (err instanceof FaultSpecError) return reply.code(400).send({ error: err.code, message: err.message });
      throw err;
    }
  });

  app.delete('/faults', async (_req, reply) => {
    ctx.faults.clear();
    return reply.code(204).send();
  });

  app.get('/faults-seed', async () => ({ seed: ctx.faults.currentSeed ?? null }));

  app.put<{ Body: { seed?: string | number | null } }>('/faults-seed', async (req, reply) => {
    const seed = req.body?.seed;
    if (seed !== undefined && seed !== null && typeof seed !== 'string' && typeof seed !== 'number') {
      return reply.code(400).send({ error: 'SANDBOX_FAULT_INVALID', message: 'seed must be a string, a number or null' });
    }
    // A replay starts from the same rules added in the same order: old rules would draw from other streams.
    ctx.faults.clear();
    ctx.faults.reseed(seed ?? undefined);
    return { seed: ctx.faults.currentSeed ?? null };
  });

  app.delete<{ Params: { id: string } }>('/faults/:id', async (req, reply) => {
    return reply.code(ctx.faults.remove(req.params.id) ? 204 : 404).send();
  });
}
