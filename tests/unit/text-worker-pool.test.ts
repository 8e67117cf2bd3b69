import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createTextWorkerPool } from "../../app/text-work/text-work.js";
import { captureLogger } from "../support/capture-logger.js";

describe("the text worker pool", () => {
  it("logs a worker that fails at startup instead of taking the process down", async () => {
    const logs = captureLogger();
    createTextWorkerPool(logs.logger, {
      filename: pathToFileURL(join(tmpdir(), "no-such-text-worker.mjs")).href,
      execArgv: [],
    });
    await expect
      .poll(() => logs.lines.find((line) => line.msg === "a text worker failed outside any task"), { timeout: 10_000 })
      .toMatchObject({ level: "error" });
  });
});
