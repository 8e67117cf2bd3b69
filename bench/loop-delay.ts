import { EVENT_LOOP_SAMPLING_MS } from "../app/observability/metrics.js";

/**
 * The event loop's delay in the server since the last scrape (prom-client resets its histogram on each):
 * its figures are intervals between samples, so the sampling interval is taken off to leave the delay.
 */
export async function loopDelay(url: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) =>
    Math.max(
      0,
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000 -
        EVENT_LOOP_SAMPLING_MS,
    );
  return { p99Ms: gauge("nodejs_eventloop_lag_p99_seconds"), maxMs: gauge("nodejs_eventloop_lag_max_seconds") };
}
