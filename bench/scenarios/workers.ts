import { PROVIDER_SECONDS_PER_JOB, workerScaling } from "../worker-scaling.js";
import { round, type BenchContext } from "../bench-kit.js";

/** 5. Async jobs per second as workers are added, against one worker and the provider's own pace. */
export async function workers({ quick, record }: BenchContext) {
  // Quick runs: eight jobs keep the one-worker line (a provider second each) within the two minutes.
  const jobs = quick ? 8 : 200;
  // Quick runs keep the target's line (one worker to four) and skip the rest, to stay within two minutes on a
  // busy machine: two processes of one, and the eight workers of the capacity table (2 of 4).
  const shapes = [
    { processes: 1, concurrency: 1 },
    ...(quick ? [] : [{ processes: 2, concurrency: 1 }]),
    { processes: 4, concurrency: 1 },
    ...(quick ? [] : [{ processes: 2, concurrency: 4 }]),
  ];
  const described = shapes.map(({ processes, concurrency }) => `${processes} x ${concurrency}`).join(", ");
  console.error(`workers: ${jobs} jobs, 1 s each at the provider, processes x concurrency: ${described}`);
  const results = await workerScaling(jobs, shapes);
  const one = results[0]!;
  for (const result of results) {
    const ratio = round(result.jobsPerSecond / one.jobsPerSecond);
    const shape = `${result.processes} process${result.processes === 1 ? "" : "es"} x ${result.concurrency}`;
    record({
      scenario: `workers ${jobs} jobs x 1 s`,
      metric: `jobs/s with ${result.workers} worker${result.workers === 1 ? "" : "s"} (${shape})`,
      ours: round(result.jobsPerSecond),
      baseline: result.workers === 1 ? null : round(one.jobsPerSecond),
      ratio: result.workers === 1 ? null : ratio,
      target: result.workers === 4 ? ">= 3x one worker" : "reported",
      met: result.workers === 4 ? ratio >= 3 : null,
    });
    // Against the ideal: each worker finishing one job per provider second, nothing else costing time.
    const perWorker = result.jobsPerSecond / result.workers;
    record({
      scenario: `workers ${jobs} jobs x 1 s`,
      metric: `jobs/s per worker at ${result.workers} (${shape}); ideal ${round(1 / PROVIDER_SECONDS_PER_JOB)}`,
      ours: round(perWorker),
      baseline: round(1 / PROVIDER_SECONDS_PER_JOB),
      ratio: round(perWorker * PROVIDER_SECONDS_PER_JOB),
      target: "reported (share of linear)",
      met: null,
    });
  }
}
