import { describe, expect, it } from "vitest";
import { ConfigError } from "../../app/config/config.js";
import { EXIT } from "../../tools/cli/exit-codes.js";
import { helpText } from "../../tools/cli/command-line.js";
import { CliFailure, describeFailure } from "../../tools/cli/failures.js";
import { firstWords } from "../../tools/consumer/transcripts-consumer.js";
import { readableLine } from "../../tools/readable-log.js";

const named = (name: string, message = name) => Object.assign(new Error(message), { name });

describe("describeFailure: one line and an exit code for what operators meet", () => {
  it.each([
    [
      "no credentials",
      named("CredentialsProviderError", "Could not load credentials from any providers"),
      EXIT.credentials,
    ],
    ["a rejected key", named("InvalidClientTokenId"), EXIT.credentials],
    // sqs-consumer wraps the SDK's error in its own, with the original as the cause.
    [
      "a rejected key inside sqs-consumer's error",
      Object.assign(new Error("SQS receive message failed"), {
        name: "SQSError",
        cause: named("UnrecognizedClientException"),
      }),
      EXIT.credentials,
    ],
    ["a missing queue", named("QueueDoesNotExist"), EXIT.notFound],
    ["a missing queue, by its AWS query code", named("AWS.SimpleQueueService.NonExistentQueue"), EXIT.notFound],
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      EXIT.unavailable,
    ],
    [
      "a dual-stack refusal",
      new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })], "connect failed"),
      EXIT.unavailable,
    ],
    [
      "an unknown host",
      Object.assign(new Error("getaddrinfo ENOTFOUND sqs.us-east-1.amazonaws.com"), { code: "ENOTFOUND" }),
      EXIT.unavailable,
    ],
    [
      "a missing file",
      Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT", path: "outputs.json" }),
      EXIT.noInput,
    ],
    ["a configuration error", new ConfigError("Invalid configuration: PORT: must be a whole number"), EXIT.config],
    ["a failure the tool named", new CliFailure(EXIT.usage, "--timeout must be a number"), EXIT.usage],
    ["anything else", new TypeError("x is undefined"), EXIT.software],
  ])("%s", (_name, error, exitCode) => {
    const described = describeFailure(error);
    expect(described.exitCode).toBe(exitCode);
    expect(described.message).not.toContain("\n");
  });

  it("says what to do about credentials, and asks for --debug for the unexpected", () => {
    expect(describeFailure(named("CredentialsProviderError")).message).toMatch(
      /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*`npm run dev`/,
    );
    expect(describeFailure(new TypeError("x is undefined")).message).toBe(
      "unexpected error: x is undefined (run with --debug for the stack)",
    );
  });
});

describe("helpText", () => {
  it("lists options with their values and defaults, the environment and the exit codes chosen", () => {
    const text = helpText({
      command: "npm run thing",
      summary: "Does a thing.",
      options: {
        "queue-url": { type: "string", value: "<url>", description: "the queue" },
        wait: { type: "string", value: "<s>", default: "2", description: "seconds" },
      },
      environment: { QUEUE_URL: "the queue" },
      exitCodes: ["ok", "credentials"],
    });
    expect(text).toContain("Usage: npm run thing -- [options]\n\nDoes a thing.");
    expect(text).toMatch(/ {2}--queue-url <url> +the queue\n/);
    expect(text).toMatch(/--wait <s> +seconds \(default: 2\)/);
    expect(text).toMatch(
      /Environment \(a flag wins over the environment, which wins over \.env, then \.env\.local, then the defaults\):\n {2}QUEUE_URL +the queue/,
    );
    expect(text).toMatch(/Exit codes:\n {2}0 +done\n {2}2 +AWS credentials missing or rejected\n$/);
  });
});

describe("readable log lines (npm run dev, the tools)", () => {
  const line = {
    level: "info",
    time: "2026-11-28T14:31:18.405Z",
    pid: 1,
    hostname: "h",
    service: "batch-transcription",
    interaction_id: "650be7e0",
  };

  it("reads an access line as the request, its answer and its outcome, on one line", () => {
    const text = readableLine({
      ...line,
      msg: "request completed",
      method: "POST",
      path: "/batch/process",
      status: 200,
      duration_ms: 310,
      event_status: "published",
    });
    expect(text).toBe("14:31:18.405 INFO  650be7e0 POST /batch/process → 200 in 310 ms event_status=published");
  });

  it("keeps every other field as key=value, quoting what needs it, an error by its message", () => {
    const text = readableLine({
      ...line,
      level: "warn",
      msg: "handler failed",
      reason: "body is not JSON",
      count: 2,
      err: { type: "Error", message: "boom", stack: "Error: boom\n    at x" },
    });
    expect(text).toBe('14:31:18.405 WARN  650be7e0 handler failed reason="body is not JSON" count=2 err="boom"');
    expect(text).not.toContain("\n");
  });
});

describe("firstWords: what consume shows of a transcript", () => {
  it("shows the first words on one line, with a mark when there is more", () => {
    expect(firstWords("Alice: So I think we should ship the release on Friday.")).toBe(
      "Alice: So I think we should ship the …",
    );
    expect(firstWords("Short one.")).toBe("Short one.");
  });

  it("never passes a control character to the terminal", () => {
    expect(firstWords("evil\u001b[2Jtext\nnext\u0007")).toBe("evil [2Jtext next");
  });
});
