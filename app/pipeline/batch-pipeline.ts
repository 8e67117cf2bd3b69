import type { Cleaner, CleanedTranscript } from "../cleaning/cleaner.js";
import type { RequestContext } from "../context/request-context.js";
import { buildCompletedEvent } from "../events/batch-processing-completed.js";
import type { EventPublisher, PublishOutcome } from "../events/event-publisher.js";
import type { Logger } from "../logger.js";
import type { PipelineObserver } from "../observability/metrics.js";
import { ApiError } from "../problem.js";
import { ProviderError, type Transcriber } from "../transcription/transcriber.js";
import type { TextWork } from "../text/text-work.js";
import { detectInput } from "../upload/input-detection.js";
import { isOverLimit, type ReceivedUpload } from "../upload/multipart-upload.js";

export interface BatchPipelineDeps {
  transcriber: Transcriber;
  cleaner: Cleaner;
  publisher: EventPublisher;
  observer: PipelineObserver;
  maxCaptionsBytes: number;
  textWork: TextWork;
  now?: () => Date;
}

export interface BatchJob {
  context: RequestContext;
  upload: ReceivedUpload;
  log: Logger;
  signal?: AbortSignal | undefined;
}

export interface TranscriptMetadata {
  provider: string | null;
  model: string | null;
  duration_s: number | null;
  request_id: string | null;
}

export interface RawTranscript {
  source: "audio" | "captions";
  text: string;
  metadata: TranscriptMetadata;
}

export interface BatchOutcome {
  raw: RawTranscript;
  cleaned: CleanedTranscript;
  event: PublishOutcome;
}

/**
 * The batch pipeline as a sequence of steps: read a transcript from the upload (transcribe audio, or import
 * captions), clean it, publish `BatchProcessingCompleted`. Each step is a small function over a port. A
 * request rejected in the first steps throws before anything is published; publishing never throws.
 */
export function createBatchPipeline(deps: BatchPipelineDeps) {
  const now = deps.now ?? (() => new Date());

  function publishCompleted(job: BatchJob, raw: RawTranscript, cleaned: CleanedTranscript): Promise<PublishOutcome> {
    const { context } = job;
    const detail = buildCompletedEvent({
      interactionId: context.interactionId,
      tenantId: context.tenantId,
      userId: context.userId,
      accountId: context.accountId,
      rawTranscript: raw.text,
      cleanedTranscript: cleaned.text,
      completedAt: now(),
    });
    return deps.publisher.publish(detail, { log: job.log });
  }

  async function readTranscript(job: BatchJob): Promise<RawTranscript> {
    const input = await detectInput(job.upload.path);
    job.log.info(
      { bytes: job.upload.bytes, declared_type: job.upload.declaredType, input: input.kind, mime: "mime" in input ? input.mime : undefined },
      "upload received",
    );
    switch (input.kind) {
      case "audio": {
        const transcription = await timedTranscription(job, input.mime);
        return {
          source: "audio",
          text: transcription.transcript,
          metadata: {
            provider: transcription.provider,
            model: transcription.model,
            duration_s: transcription.durationS,
            request_id: transcription.requestId,
          },
        };
      }
      case "captions": {
        if (isOverLimit(job.upload.bytes, deps.maxCaptionsBytes)) {
          throw new ApiError("payload_too_large", `Captions files are limited to ${deps.maxCaptionsBytes} bytes.`, {
            max_bytes: deps.maxCaptionsBytes,
          });
        }
        const imported = await deps.textWork.importCaptions({ path: job.upload.path, format: input.format, encoding: input.encoding });
        if (!imported.ok) throw unsupportedEncoding();
        return {
          source: "captions",
          text: imported.captions.transcript,
          metadata: { provider: null, model: null, duration_s: imported.captions.durationS, request_id: null },
        };
      }
      case "unsupported-encoding":
        throw unsupportedEncoding();
      case "unsupported":
        throw unsupported(input.mime);
    }
  }

  async function timedTranscription(job: BatchJob, mime: string) {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const transcription = await deps.transcriber.transcribe(
        { path: job.upload.path, bytes: job.upload.bytes, mime },
        { log: job.log, signal: job.signal },
      );
      deps.observer.transcribed(transcription.provider, "ok", seconds());
      return transcription;
    } catch (error) {
      deps.observer.transcribed(deps.transcriber.provider, error instanceof ProviderError ? error.failure : "failed", seconds());
      throw error;
    }
  }

  return {
    async process(job: BatchJob): Promise<BatchOutcome> {
      deps.observer.uploadReceived(job.upload.bytes);
      const raw = await readTranscript(job);
      job.log.info({ source: raw.source, raw_length: raw.text.length, ...raw.metadata }, "transcript ready");
      if (raw.text.trim() === "") {
        throw new ApiError("empty_transcript", raw.source === "captions" ? "The captions hold no cue text." : "The recording holds no speech that could be transcribed.", {
          source: raw.source,
        });
      }
      const cleaned = await deps.cleaner.clean(raw.text, { log: job.log, signal: job.signal });
      job.log.info({ cleaner: cleaned.cleaner, cleaned_length: cleaned.text.length }, "transcript cleaned");
      deps.observer.cleaned(cleaned.cleaner);
      const event = await publishCompleted(job, raw, cleaned);
      deps.observer.published(event);
      return { raw, cleaned, event };
    },
  };
}

export type BatchPipeline = ReturnType<typeof createBatchPipeline>;

function unsupported(mime: string | undefined): ApiError {
  return new ApiError(
    "unsupported_media_type",
    `${mime ?? "This file"} is not a supported format. Upload audio or video (WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF, AMR) or captions (WebVTT, SRT, plain text; UTF-8, or UTF-16 with a byte order mark).`,
    { detected_type: mime ?? null },
  );
}

function unsupportedEncoding(): ApiError {
  return new ApiError(
    "unsupported_media_type",
    "The file looks like text, but not in a supported encoding: save it as UTF-8 (or UTF-16 with a byte order mark).",
    { detected_type: "text/plain", reason: "encoding" },
  );
}
