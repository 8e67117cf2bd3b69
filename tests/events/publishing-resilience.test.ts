import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const eventBridge = mockClient(EventBridgeClient);
afterAll(() => eventBridge.restore());

type Failure =
  | { kind: "entry"; code: string }
  | { kind: "thrown"; name: string; status: number | undefined }
  | { kind: "network"; code: string }
  | { kind: "hang" }
  | { kind: "not-an-error" }
  | { kind: "ok" };

const failureArb: fc.Arbitrary<Failure> = fc.oneof(
  fc.record({
    kind: fc.constant("entry" as const),
    code: fc.constantFrom(
      "ThrottlingException",
      "InternalFailure",
      "MalformedDetail",
      "AccessDeniedException",
      "NotAuthorizedForSourceException",
      "NotAuthorizedForDetailTypeException",
      "InvalidArgument",
    ),
  }),
  fc.record({
    kind: fc.constant("thrown" as const),
    name: fc.constantFrom(
      "ThrottlingException",
      "InternalException",
      "ServiceUnavailable",
      "AccessDeniedException",
      "UnrecognizedClientException",
      "ResourceNotFoundException",
      "CredentialsProviderError",
      "TimeoutError",
    ),
    status: fc.constantFrom(400, 403, 404, 500, 503, undefined),
  }),
  fc.record({
    kind: fc.constant("network" as const),
    code: fc.constantFrom("ECONNRESET", "ECONNREFUSED", "ENOTFOUND", "EPIPE"),
  }),
  fc.constant({ kind: "hang" as const }),
  fc.constant({ kind: "not-an-error" as const }),
  fc.constant({ kind: "ok" as const }),
);

function stub(failure: Failure) {
  eventBridge.reset();
  const command = eventBridge.on(PutEventsCommand);
  switch (failure.kind) {
    case "entry":
      return command.resolves({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: failure.code, ErrorMessage: "scripted" }],
      });
    case "thrown":
      return command.rejects(
        Object.assign(new Error(failure.name), { name: failure.name, $metadata: { httpStatusCode: failure.status } }),
      );
    case "network":
      return command.rejects(Object.assign(new Error(`connect ${failure.code}`), { code: failure.code }));
    case "hang":
      return command.callsFake(() => new Promise(() => undefined));
    case "not-an-error":
      // Deliberately not an Error: the publisher must survive whatever a dependency throws.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return command.callsFake(() => Promise.reject("a string, not an Error"));
    case "ok":
      return command.resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-ok" }] });
  }
}

/** Words no log line may contain: they only exist in the transcript. */
const secretWordArb = fc.stringMatching(/^[a-z]{6,10}$/).map((word) => `zq${word}`);
const transcriptArb = fc.tuple(
  fc.array(secretWordArb, { minLength: 1, maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 100 }),
);

describe("publishing never fails a request (Properties 3 and 5)", () => {
  it("answers 200 with both transcripts whatever happens to the event, and logs neither", async () => {
    const client = new EventBridgeClient({
      region: "us-east-1",
      maxAttempts: 1,
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    });
    const publisher = createEventBridgePublisher({
      client,
      busName: "default",
      source: "com.yourapp.transcription",
      maxEntryBytes: 1024 * 1024,
      budgetMs: 80,
      attemptTimeoutMs: 30,
      backoff: { initialDelayMs: 1, maxDelayMs: 5 },
      // Failures are drawn at random, one request after another: this property is about each request, not the breaker.
      breaker: { failures: Number.MAX_SAFE_INTEGER, halfOpenMs: 1_000 },
    });
    const built = await buildTestApp({ publisher });

    await fc.assert(
      fc.asyncProperty(failureArb, transcriptArb, async (failure, [words, noise]) => {
        stub(failure);
        const before = built.logs.lines.length;
        const text = `${words.join(" ")}\n${noise.replace(/\0/g, "")}`;
        const response = await postUpload(built.app, uploadForm(text, "notes.txt"));
        expect(response.status).toBe(200);
        const body = (await response.json()) as {
          interaction_id: string;
          raw_transcript: string;
          cleaned_transcript: string;
          event: { status: string; event_id?: string; error?: string };
        };
        expect(body.raw_transcript).toContain(words[0]);
        expect(body.cleaned_transcript.toLowerCase()).toContain(words[0]);
        expect(body.event.status).toBe(failure.kind === "ok" ? "published" : "failed");
        if (failure.kind === "ok") expect(body.event.event_id).toBe("evt-ok");
        else expect(body.event.error).toMatch(/^\w+$/);

        const lines = built.logs.lines.slice(before);
        expect(
          lines.find((line) => line.msg === "event published" || line.msg === "event not published"),
        ).toBeDefined();
        for (const line of lines) expect(line.interaction_id).toBe(body.interaction_id);
        const logged = built.logs.text().toLowerCase();
        for (const word of words) expect(logged).not.toContain(word);
      }),
      { numRuns: 80 },
    );
  }, 60_000);
});
