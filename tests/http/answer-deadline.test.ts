import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interaction } from "../../app/http/middleware/interaction.js";
import { unreadAnswerLimit } from "../../app/http/middleware/unread-answer-limit.js";
import type { AppEnv } from "../../app/http/server/app-env.js";
import { textBody } from "../../app/http/server/streamed-json.js";
import { captureLogger } from "../support/capture-logger.js";
import { serveOnLoopback } from "../support/listening-app.js";
import { readWithPauses } from "../support/paced-reader.js";

const MiB = 1024 * 1024;
/** Long enough that a reader taking 2 MB/s is never idle for it (the kernel lets a write go on in MB steps). */
const IDLE_MS = 4_000;
const TOTAL_MS = 1_500;
const CUT = "the answer was not read in full in time; connection closed";

describe("the deadline for sending an answer (REQUEST_TIMEOUT_S, once the answer starts)", () => {
  const logs = captureLogger();
  const big = "x".repeat(24 * MiB);
  let served: Awaited<ReturnType<typeof serveOnLoopback>>;

  beforeAll(async () => {
    const app = new Hono<AppEnv>();
    app.use(interaction({ logger: logs.logger }));
    app.use(unreadAnswerLimit({ idleMs: IDLE_MS, totalMs: TOTAL_MS }));
    app.get("/big", (c) => c.body(textBody(big)));
    app.get("/small", (c) => c.text("done"));
    served = await serveOnLoopback(app.fetch);
  });
  afterAll(() => served.close());

  it("cuts an answer read steadily but too slowly to finish in time, and says why", async () => {
    // About 2 MB/s once the socket buffers are full: always moving, never done in time.
    const outcome = await readWithPauses({ port: served.port, path: "/big", everyBytes: 256 * 1024, pauseMs: 125 });
    expect(outcome.complete).toBe(false);
    expect(outcome.body.length).toBeLessThan(big.length);
    const cut = logs.lines.find((line) => line.msg === CUT);
    expect(cut).toMatchObject({ level: "warn", path: "/big", total_s: TOTAL_MS / 1000 });
    expect(cut?.interaction_id).toEqual(expect.any(String));
    expect(logs.text()).not.toContain("the client read nothing of the answer");
  });

  it("leaves an answer sent in time alone, and its connection with it", async () => {
    const before = logs.lines.length;
    const answer = await fetch(`${served.url}/small`);
    expect(await answer.text()).toBe("done");
    // Past the deadline, the kept-alive connection serves again: the timer went with the answer.
    await new Promise((resolve) => setTimeout(resolve, TOTAL_MS + 500));
    expect(await (await fetch(`${served.url}/small`)).text()).toBe("done");
    expect(logs.lines.slice(before).map((line) => line.msg)).not.toContain(CUT);
  });
});
