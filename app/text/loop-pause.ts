/** Lets the event loop run other work between slices of a long job: on a worker thread, `noPause` is passed instead. */
export type Pause = () => Promise<void>;

export const yieldToLoop: Pause = () => new Promise((resolve) => setImmediate(resolve));
export const noPause: Pause = () => Promise.resolve();

/**
 * Meters a long walk over text: `due(units)` says when `budget` units of work have been done since the last
 * pause, so the walker pauses every few milliseconds rather than after every step (an `await` each costs more
 * than a short line's work).
 */
export function createPacer(budget: number) {
  let spent = 0;
  return {
    due(units: number): boolean {
      spent += units;
      if (spent < budget) return false;
      spent = 0;
      return true;
    },
  };
}
