import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { askedOf } from "../../app/jobs/job-record.js";
import { completedJob } from "../support/job-records.js";

const OPTIONS = {
  model: "nova-3",
  language: "es",
  detect_language: false,
  keyterm: ["Acme"],
  redact: [],
  diarize: true,
  punctuate: true,
  smart_format: true,
};

describe("what a job's recording is transcribed with", () => {
  const job = completedJob(randomUUID(), randomUUID(), "result");

  it("is the job's options for audio", () => {
    expect(askedOf({ ...job, options: OPTIONS })).toEqual(OPTIONS);
  });

  it("is nothing for captions, which no provider is asked about, whatever the request said", () => {
    expect(
      askedOf({ ...job, detected: { kind: "captions", format: "vtt", encoding: "utf-8" }, options: OPTIONS }),
    ).toBeNull();
  });

  it("is nothing known for a job queued before requests had options", () => {
    expect(askedOf(job)).toBeNull();
  });
});
