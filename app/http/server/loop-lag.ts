/** How often the loop's lateness is read while someone is listening. */
export const LOOP_LAG_TICK_MS = 10;

/** Reads the event loop's lateness: how long after it was due each tick of a timer ran. */
export type LoopLagWatch = (onLateness: (lateMs: number) => void) => { start(): void; stop(): void };

/**
 * A timer that reports its own lateness every `tickMs` between `start` and `stop`, and costs nothing
 * otherwise. It holds no process open.
 */
export const watchLoopLag: LoopLagWatch = (onLateness, tickMs = LOOP_LAG_TICK_MS) => {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const due = performance.now() + tickMs;
    timer = setTimeout(() => {
      schedule();
      onLateness(Math.max(0, performance.now() - due));
    }, tickMs);
    timer.unref();
  };
  return {
    start() {
      if (timer === undefined) schedule();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
};
