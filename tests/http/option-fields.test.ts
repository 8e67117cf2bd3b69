import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, FIXTURES } from "../support/test-app.js";
import { MULTIPART_TYPE, multipartBody, type Part } from "../support/multipart.js";

const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
const warningFor = (name: string) =>
  `${name} was sent as a form field and ignored: request options go in the query (?${name}=...)`;

describe("request options sent as form fields are ignored, never silently", () => {
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    built = await buildTestApp();
  });
  afterAll(() => built.dispose());

  const upload = (parts: Part[], query = "") =>
    built.app.request(`/batch/process${query}`, {
      method: "POST",
      headers: { "Content-Type": MULTIPART_TYPE },
      body: new Uint8Array(multipartBody(parts)),
    });
  const file: Part = { name: "file", filename: "meeting.vtt", content: vtt };

  it("warns of a language field before the file, in X-Warning and the answer, and does not apply it", async () => {
    const response = await upload([{ name: "language", content: "es" }, file]);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Warning")).toBe(warningFor("language"));
    const answer = (await response.json()) as { warnings?: string[]; language: unknown };
    expect(answer.warnings).toEqual([warningFor("language")]);
    expect(answer.language).toBeNull();
  });

  it("names each option field once, after the file and as a file part too, beside an identity warning", async () => {
    const response = await built.app.request("/batch/process", {
      method: "POST",
      headers: { "Content-Type": MULTIPART_TYPE, "X-Tenant-ID": "not-a-uuid" },
      body: new Uint8Array(
        multipartBody([
          file,
          { name: "model", content: "nova-3" },
          { name: "keyterm", filename: "terms.txt", content: "Acme" },
          { name: "model", content: "nova-2" },
          { name: "note", content: "not an option" },
        ]),
      ),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { warnings?: string[] };
    expect(answer.warnings).toEqual([
      "X-Tenant-ID is not a UUID v4; a generated tenant id was used instead",
      warningFor("model"),
      warningFor("keyterm"),
    ]);
    const fieldLines = built.logs.lines.filter(
      (line) => line.msg === "a request option was sent as a form field and ignored",
    );
    expect(fieldLines.map((line) => line.field)).toEqual(["language", "model", "keyterm"]);
    for (const line of fieldLines) expect(line.interaction_id).toEqual(expect.any(String));
  });

  it("warns nothing when the options are in the query, and applies them", async () => {
    const response = await upload([file], "?language=es");
    expect(response.headers.get("X-Warning")).toBeNull();
    const answer = (await response.json()) as { warnings?: string[]; language: unknown };
    expect(answer.warnings).toBeUndefined();
    expect(answer.language).toMatchObject({ code: "es" });
  });

  it("warns in the headers of a subtitles answer too", async () => {
    const response = await built.app.request("/batch/process", {
      method: "POST",
      headers: { "Content-Type": MULTIPART_TYPE, Accept: "text/vtt" },
      body: new Uint8Array(multipartBody([file, { name: "max_lines", content: "1" }])),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/vtt/);
    expect(response.headers.get("X-Warning")).toBe(warningFor("max_lines"));
  });
});
