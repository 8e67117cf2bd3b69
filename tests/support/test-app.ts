import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type AppDeps } from "../../app/http/create-app.js";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { disabledPublisher } from "../../app/events/event-publisher.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { captureLogger } from "./capture-logger.js";

export const FIXTURES = new URL("../fixtures/", import.meta.url);

/** The app with real parts where they cost nothing (rules cleaner, disk) and the given overrides. */
export async function buildTestApp(overrides: Partial<AppDeps> = {}) {
  const uploadDir = await mkdtemp(join(tmpdir(), "batch-test-uploads-"));
  const logs = captureLogger();
  const deps: AppDeps = {
    logger: logs.logger,
    transcriber: unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY"),
    cleaner: createRulesCleaner(),
    publisher: disabledPublisher("no_credentials"),
    identityDefaults: {},
    maxUploadBytes: 10 * 1024 * 1024,
    maxCaptionsBytes: 1024 * 1024,
    tempFiles: createTempFiles(uploadDir),
    ...overrides,
  };
  return {
    app: createApp(deps),
    logs,
    uploadDir: deps.tempFiles.directory,
    leftoverUploads: () => readdir(deps.tempFiles.directory),
    dispose: () => rm(uploadDir, { recursive: true, force: true }),
  };
}

/** A multipart body with one `file` part, as a browser or curl would send it. */
export function uploadForm(content: Uint8Array | string, filename = "upload.bin", field = "file"): FormData {
  const form = new FormData();
  // A copy on its own ArrayBuffer: Blob takes no view of a possibly shared buffer.
  form.append(field, new Blob([typeof content === "string" ? content : new Uint8Array(content)]), filename);
  return form;
}

export function postUpload(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  body: RequestInit["body"],
  headers: Record<string, string> = {},
) {
  return app.request("/batch/process", { method: "POST", body, headers });
}
