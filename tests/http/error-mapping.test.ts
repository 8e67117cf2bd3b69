import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import {
  EmptyTranscript,
  ProviderFailure,
  TooLarge,
  UnsupportedEncoding,
  UnsupportedInput,
  type DomainError,
} from "../../app/domain/failures.js";
import type { AppEnv } from "../../app/http/server/app-env.js";
import { handleError } from "../../app/http/server/error-handler.js";
import { interaction } from "../../app/http/middleware/interaction.js";
import { captureLogger } from "../support/capture-logger.js";

/** A tiny app with the service's own error handling, throwing what it is given. */
function appThrowing(error: unknown) {
  const app = new Hono<AppEnv>();
  app.use(interaction({ logger: captureLogger().logger }));
  app.post("/limited", bodyLimit({ maxSize: 4 }), (c) => c.text("ok"));
  app.get("/throw", () => {
    throw error;
  });
  app.onError(handleError);
  return app;
}

describe("one table maps every failure to its answer", () => {
  it.each<[string, DomainError, number, string, Record<string, unknown>]>([
    [
      "an unsupported input",
      new UnsupportedInput("image/png"),
      415,
      "unsupported_media_type",
      { detected_type: "image/png" },
    ],
    ["an unsupported encoding", new UnsupportedEncoding(), 415, "unsupported_media_type", { reason: "encoding" }],
    ["a file too large", new TooLarge("Captions files", 10), 413, "payload_too_large", { max_bytes: 10 }],
    ["an empty transcript", new EmptyTranscript("captions"), 422, "empty_transcript", { source: "captions" }],
    [
      "a provider failing",
      new ProviderFailure("failed", "deepgram", "Deepgram answered 401.", { status: 401, attempts: 1 }),
      502,
      "provider_failed",
      { provider: "deepgram", provider_status: 401, attempts: 1 },
    ],
    [
      "a provider timing out",
      new ProviderFailure("timeout", "openai", "late"),
      504,
      "provider_timeout",
      { provider: "openai" },
    ],
    [
      "a provider not configured",
      new ProviderFailure("not_configured", "deepgram", "Set DEEPGRAM_API_KEY.", { variable: "DEEPGRAM_API_KEY" }),
      503,
      "provider_not_configured",
      { variable: "DEEPGRAM_API_KEY" },
    ],
  ])("%s", async (_name, error, status, code, extensions) => {
    const response = await appThrowing(error).request("/throw");
    expect(response.status).toBe(status);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ status, code, detail: error.message, ...extensions });
  });

  it("answers Hono's own middleware in the same shape (bodyLimit's 413)", async () => {
    const response = await appThrowing(undefined).request("/limited", { method: "POST", body: "far too long" });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "payload_too_large", status: 413 });
  });

  it("maps an HTTPException thrown anywhere to its status", async () => {
    const response = await appThrowing(new HTTPException(405, { message: "no" })).request("/throw");
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ code: "method_not_allowed" });
  });

  it("answers anything else as a plain 500 with no internal message", async () => {
    const response = await appThrowing(new Error("secret internals")).request("/throw");
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toContain("secret internals");
  });
});
