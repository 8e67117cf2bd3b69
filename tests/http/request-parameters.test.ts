import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryJobs } from "../support/memory-jobs.js";
import { buildTestApp, FIXTURES, uploadForm } from "../support/test-app.js";

const TENANT = "11111111-1111-4111-8111-111111111111";

describe("a query parameter given twice", () => {
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  let answer: string;
  let vtt: Buffer;
  const jobs = memoryJobs();

  beforeAll(async () => {
    built = await buildTestApp({ jobs });
    vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
    answer = await (
      await built.app.request("/batch/process", { method: "POST", body: uploadForm(vtt, "m.vtt") })
    ).text();
  });
  afterAll(() => built.dispose());

  it.each([
    ["POST /batch/subtitles", "/batch/subtitles?format=srt&format=vtt", "format"],
    ["POST /batch/subtitles", "/batch/subtitles?format=vtt&max_lines=2&max_lines=3", "max_lines"],
    ["POST /batch/subtitles", "/batch/subtitles?max_line_chars=20&max_line_chars=", "max_line_chars"],
    ["POST /batch/process", "/batch/process?max_lines=1&max_lines=1", "max_lines"],
    ["POST /batch/process", "/batch/process?format=srt&format=srt", "format"],
    ["GET /batch/jobs", "/batch/jobs?limit=5&limit=50", "limit"],
    ["GET /batch/jobs", "/batch/jobs?status=queued&status=failed", "status"],
  ])(
    "%s (%s) is a 400 invalid_query naming it: neither value is taken over the other",
    async (route, path, parameter) => {
      const post = route.startsWith("POST");
      const body = path.startsWith("/batch/process") ? uploadForm(vtt, "m.vtt") : answer;
      const response = await built.app.request(path, {
        method: post ? "POST" : "GET",
        headers: {
          "X-Tenant-ID": TENANT,
          ...(path.startsWith("/batch/subtitles") && { "Content-Type": "application/json" }),
          ...(path.startsWith("/batch/process") && { Accept: "text/vtt" }),
        },
        ...(post && { body }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(await response.json()).toMatchObject({
        code: "invalid_query",
        parameter,
        detail: `${parameter} may be given once`,
      });
    },
  );

  it("once, is taken as before", async () => {
    const response = await built.app.request("/batch/subtitles?format=srt&max_lines=1", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: answer,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-subrip; charset=utf-8");
  });
});

describe("POST /batch/process?format=", () => {
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  let vtt: Buffer;

  beforeAll(async () => {
    built = await buildTestApp();
    vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
  });
  afterAll(() => built.dispose());

  const upload = (query: string, accept?: string) =>
    built.app.request(`/batch/process${query}`, {
      method: "POST",
      headers: accept === undefined ? {} : { Accept: accept },
      body: uploadForm(vtt, "m.vtt"),
    });

  it.each([
    ["?format=srt", undefined, "application/x-subrip; charset=utf-8"],
    ["?format=vtt", undefined, "text/vtt; charset=utf-8"],
    ["?format=vtt", "application/x-subrip", "text/vtt; charset=utf-8"],
    ["?format=srt&max_lines=1", "application/json", "application/x-subrip; charset=utf-8"],
    ["", "text/vtt", "text/vtt; charset=utf-8"],
    ["", undefined, "application/json"],
  ])("%s with Accept %s answers %s", async (query, accept, type) => {
    const response = await upload(query, accept);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    const text = await response.text();
    if (type.startsWith("application/x-subrip")) expect(text).toMatch(/^1\n00:00:00,000 --> /);
    // An SRT cue of one line: its number, its timing, its text.
    if (query.includes("max_lines=1"))
      for (const cue of text.trim().split("\n\n")) expect(cue.split("\n")).toHaveLength(3);
  });

  it.each(["json", "VTT", ""])("refuses format=%j as the subtitle routes do", async (format) => {
    const response = await upload(`?format=${format}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_query", parameter: "format" });
  });
});

describe("a job's id in the path", () => {
  const jobs = memoryJobs();
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    built = await buildTestApp({ jobs });
  });
  afterAll(() => built.dispose());

  it("is read in either case, as a UUID is (RFC 9562)", async () => {
    const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
    const headers = { "X-Tenant-ID": TENANT };
    const submitted = await built.app.request("/batch/jobs", {
      method: "POST",
      headers,
      body: uploadForm(vtt, "m.vtt"),
    });
    expect(submitted.status).toBe(202);
    const { interaction_id: id } = (await submitted.json()) as { interaction_id: string };
    const upper = id.toUpperCase();
    const read = await built.app.request(`/batch/jobs/${upper}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ interaction_id: id });
    expect((await built.app.request(`/batch/jobs/${upper}`, { method: "DELETE", headers })).status).toBe(204);
    expect((await built.app.request(`/batch/jobs/${id}`, { headers })).status).toBe(404);
  });
});
