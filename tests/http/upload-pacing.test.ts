import { describe, expect, it } from "vitest";
import type { LoopLagWatch } from "../../app/http/server/loop-lag.js";
import { BEHIND_MS, createUploadPacing } from "../../app/http/server/upload-pacing.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nWe ship on Friday.\n";

/** A pacing whose loop readings the test gives by hand, driven to its floor: two uploads at once. */
function pacingAtItsFloor() {
  let late: (lateMs: number) => void = () => undefined;
  const watch: LoopLagWatch = (onLateness) => {
    late = onLateness;
    return { start: () => undefined, stop: () => undefined };
  };
  const pacing = createUploadPacing({ maxLimit: 16, maxWaitMs: 60_000, watch });
  for (let i = 0; i < 10; i += 1) late(BEHIND_MS + 1);
  return pacing;
}

describe("uploads paced while the event loop is behind", () => {
  it("holds a new upload, unread, until an upload in progress is done, while other routes answer at once", async () => {
    const uploadPacing = pacingAtItsFloor();
    const { app, dispose } = await buildTestApp({ uploadPacing });
    try {
      const inProgress = [await uploadPacing.admit("other"), await uploadPacing.admit("other")];
      let answered = false;
      const upload = Promise.resolve(postUpload(app, uploadForm(VTT, "meeting.vtt"))).then((response) => {
        answered = true;
        return response;
      });
      await expect.poll(() => uploadPacing.state.waiting, { timeout: 10_000 }).toBe(1);
      // Neither health nor a wrong method waits behind it.
      expect((await app.request("/healthz")).status).toBe(200);
      expect((await app.request("/batch/process", { method: "GET" })).status).toBe(405);
      expect(answered).toBe(false);
      inProgress[0]!.release();
      const response = await upload;
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { raw_transcript: string };
      expect(answer.raw_transcript).toContain("We ship on Friday.");
      // Its turn is given back once it is answered.
      inProgress[1]!.release();
      expect(uploadPacing.state).toMatchObject({ active: 0, waiting: 0 });
    } finally {
      await dispose();
    }
  });

  it("shows the pacing in /metrics: uploads in progress and waiting, the limit, and what each upload waited", async () => {
    const uploadPacing = pacingAtItsFloor();
    const { app, dispose } = await buildTestApp({ uploadPacing });
    const scrape = async () => (await app.request("/metrics")).text();
    try {
      expect(await scrape()).toMatch(/^batch_upload_wait_seconds_count 0$/m);
      const inProgress = [await uploadPacing.admit("other"), await uploadPacing.admit("other")];
      const upload = Promise.resolve(postUpload(app, uploadForm(VTT, "meeting.vtt")));
      await expect.poll(() => uploadPacing.state.waiting, { timeout: 10_000 }).toBe(1);
      const busy = await scrape();
      expect(busy).toMatch(/^batch_uploads_in_progress 2$/m);
      expect(busy).toMatch(/^batch_uploads_waiting 1$/m);
      expect(busy).toMatch(/^batch_upload_pacing_limit 2$/m);
      inProgress[0]!.release();
      expect((await upload).status).toBe(200);
      inProgress[1]!.release();
      const after = await scrape();
      expect(after).toMatch(/^batch_upload_wait_seconds_count 1$/m);
      // It waited for its turn: more than nothing, recorded in seconds.
      const waited = Number(/^batch_upload_wait_seconds_sum (\S+)$/m.exec(after)?.[1]);
      expect(waited).toBeGreaterThan(0);
      expect(waited).toBeLessThan(60);
      expect(after).toMatch(/^batch_uploads_in_progress 0$/m);
      expect(after).toMatch(/^batch_uploads_waiting 0$/m);
    } finally {
      await dispose();
    }
  });

  it("gives an upload's turn back whatever fails once it has it, its report of the wait included", async () => {
    const uploadPacing = createUploadPacing({ maxLimit: 16 });
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.uploadAdmitted = () => {
      throw new Error("the wait could not be recorded");
    };
    const { app, dispose } = await buildTestApp({ uploadPacing, metrics });
    try {
      const response = await postUpload(app, uploadForm(VTT, "meeting.vtt"));
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(uploadPacing.state).toMatchObject({ active: 0, waiting: 0 });
    } finally {
      await dispose();
    }
  });

  it.each([
    ["POST /batch/jobs", "/batch/jobs"],
    ["POST /batch/subtitles", "/batch/subtitles"],
  ])("paces %s as well", async (_name, path) => {
    const uploadPacing = pacingAtItsFloor();
    const { app, dispose } = await buildTestApp({ uploadPacing });
    try {
      const inProgress = [await uploadPacing.admit("other"), await uploadPacing.admit("other")];
      const request = Promise.resolve(
        app.request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
      );
      await expect.poll(() => uploadPacing.state.waiting, { timeout: 10_000 }).toBe(1);
      for (const turn of inProgress) turn.release();
      // Refused or answered, it is let in and given its answer once there is room.
      expect((await request).status).toBeGreaterThanOrEqual(400);
      expect(uploadPacing.state).toMatchObject({ active: 0, waiting: 0 });
    } finally {
      await dispose();
    }
  });
});
