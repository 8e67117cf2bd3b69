import { ApiError } from "../contract/problem.js";

/** The least a body must send: `bytesPerS` on average over each `windowMs`, once `windowMs` has passed. */
export interface MinUploadRate {
  bytesPerS: number;
  windowMs: number;
}

/**
 * Watches a body as it arrives: one that sends nothing for `idleTimeoutMs` is refused (408
 * `upload_idle_timeout`), and so is one that trickles below the minimum rate (408 `upload_too_slow`), so a
 * slow client frees its slot within a window or two, not after the whole request time limit.
 */
export function watchArrival(
  { idleTimeoutMs, minRate }: { idleTimeoutMs: number; minRate?: MinUploadRate | undefined },
  fail: (error: Error) => void,
) {
  const idle = setTimeout(
    () =>
      fail(
        new ApiError("upload_idle_timeout", `The upload sent nothing for ${idleTimeoutMs / 1000} s.`, {
          idle_timeout_s: idleTimeoutMs / 1000,
        }),
      ),
    idleTimeoutMs,
  );
  let inWindow = 0;
  const rate =
    minRate === undefined || minRate.bytesPerS === 0
      ? undefined
      : setInterval(() => {
          const least = (minRate.bytesPerS * minRate.windowMs) / 1000;
          if (inWindow < least) {
            fail(
              new ApiError(
                "upload_too_slow",
                `The upload sent ${inWindow} bytes in ${minRate.windowMs / 1000} s; at least ${minRate.bytesPerS} bytes a second are needed.`,
                { min_bytes_per_s: minRate.bytesPerS },
              ),
            );
          }
          inWindow = 0;
        }, minRate.windowMs);
  return {
    arrived(bytes: number) {
      inWindow += bytes;
      idle.refresh();
    },
    stop() {
      clearTimeout(idle);
      if (rate !== undefined) clearInterval(rate);
    },
  };
}
