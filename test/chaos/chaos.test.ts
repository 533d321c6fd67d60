import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestTemporal } from '../support/temporal';
import { CANCEL_POINTS, KILL_POINTS, PHASE_POINTS, chaosFigures, describeDisruption, runChaosCase, type ChaosCaseResult, type Disruption } from './support/chaos-case';

/*
 * The chaos suite: onboardings under 20% faults of every kind on both sandboxes for the whole run,
 * each with one disruption. Per seed (CHAOS_SEEDS, comma-separated; the normal test run has one):
 * the run left alone (for the time figure), its worker SIGKILLed, one of two workers SIGKILLed,
 * the Temporal server SIGKILLed and restarted on its database, three duplicate starts and one more
 * mid-run, and a cancel; each seed strikes inside the next kind of activity. With CHAOS_SWEEP=1
 * (`npm run chaos`) also systematically: a worker killed once inside every kind of activity, and a
 * cancel at every phase. A failing case replays its faults exactly: CHAOS_SEEDS=<seed>.
 */

const SEEDS = (process.env.CHAOS_SEEDS ?? 'chaos-1').split(',').map((s) => s.trim()).filter(Boolean);
const FAULT_RATE = Number(process.env.CHAOS_FAULT_RATE ?? 0.2);
const SWEEP = process.env.CHAOS_SWEEP === '1';
const BASELINE_RUNS = Math.max(1, Number(process.env.CHAOS_BASELINE_RUNS ?? 1));
const STRIKE_POINTS = [...KILL_POINTS, ...PHASE_POINTS];

interface Case {
  seed: string;
  disruption?: Disruption;
}

const pick = <T>(list: T[], i: number) => list[i % list.length];
const cases: Case[] = SEEDS.flatMap((seed, i) => [
  { seed },
  { seed, disruption: { kind: 'kill-worker', at: pick(STRIKE_POINTS, i) } },
  { seed, disruption: { kind: 'two-workers', at: pick(STRIKE_POINTS, i + 3) } },
  { seed, disruption: { kind: 'restart-server', at: pick(STRIKE_POINTS, i + 6) } },
  { seed, disruption: { kind: 'duplicate-starts', starts: 3, at: pick(STRIKE_POINTS, i + 1) } },
  { seed, disruption: { kind: 'cancel', at: pick(CANCEL_POINTS, i + 4) } },
]);
// A seed that once ended a cancel during the proof as failed (the proof's own failure won over the
// cancel): kept in the short run, where it replays exactly.
// And one whose run, left alone, failed its proof: two of the gateway's introspections at Okta were
// dropped, and the gateway's 401s were taken for refused tokens.
const REGRESSIONS: Case[] = [{ seed: 'sweep-cancel-proving', disruption: { kind: 'cancel', at: PHASE_POINTS[2] } }, { seed: 'chaos-2' }];
if (!SWEEP) cases.push(...REGRESSIONS.filter((r) => r.disruption || !SEEDS.includes(r.seed)));
if (SWEEP) {
  for (const at of STRIKE_POINTS) cases.push({ seed: `sweep-kill-${at.activity}`, disruption: { kind: 'kill-worker', at } });
  for (const at of CANCEL_POINTS) cases.push({ seed: `sweep-cancel-${at === 'awaiting-assignment' ? at : at.activity}`, disruption: { kind: 'cancel', at } });
}

describe('chaos: sustained faults with a killed worker, a restarted server, duplicate starts and cancels', () => {
  let env: TestWorkflowEnvironment;
  const results: ChaosCaseResult[] = [];
  let faultFreeMs = 0;
  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(async () => {
    if (results.length > 0 && faultFreeMs > 0) process.stdout.write(`chaos figures ${JSON.stringify(chaosFigures(results, faultFreeMs), null, 2)}\n`);
    await env?.teardown();
  });

  it('fault-free baseline completes', async () => {
    // The first run of a fresh server pays for bundle loading and connections: not a baseline.
    await runChaosCase(env, { seed: 'warm-up', faultRate: 0 });
    // On shared cores one fault-free run varies by a third or more: the median of BASELINE_RUNS.
    const durations: number[] = [];
    for (let i = 0; i < BASELINE_RUNS; i++) {
      const result = await runChaosCase(env, { seed: `baseline-${i}`, faultRate: 0 });
      expect(result.phase).toBe('completed');
      durations.push(result.durationMs);
    }
    faultFreeMs = durations.sort((a, b) => a - b)[Math.floor(durations.length / 2)];
  }, 300_000);

  it.each(cases.map((c) => ({ ...c, title: describeDisruption(c.disruption) ?? 'left alone' })))(
    'seed $seed, $title: ends as it must, exactly one of each resource (none after a cancel), pre-existing untouched, re-run writes nothing, no secret',
    async ({ seed, disruption }) => {
      const result = await runChaosCase(env, { seed, faultRate: FAULT_RATE, disruption });
      results.push(result);
      process.stdout.write(`chaos case ${seed} ${result.disruption ?? 'left alone'}${result.disruption && !result.disrupted ? ' (never reached)' : ''}: ${result.phase} in ${(result.durationMs / 1000).toFixed(1)} s ${JSON.stringify({ faultsByKind: result.faultsByKind, imposedMs: result.imposedMs, time: result.time })}\n`);
      expect({ phase: result.phase, error: result.phase === result.expectedPhase ? undefined : result.error }).toEqual({ phase: result.expectedPhase, error: undefined });
      expect(result.faultsFired).toBeGreaterThan(0);
      expect(result).toMatchObject({ duplicates: [], missing: [], orphans: [], changedPreexisting: [], rerunWrites: [], secretsFound: [] });
      if (result.runsStarted !== undefined) expect(result.runsStarted).toBe(1);
      // Every point is reached by a run that completes; only a cancel can end a run before its point.
      if (disruption && disruption.kind !== 'cancel') expect(result.disrupted).toBe(true);
    },
    300_000,
  );
});
