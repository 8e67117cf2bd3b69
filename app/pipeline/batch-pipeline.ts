import type { Cleaner, CleanedTranscript } from "../cleaning/cleaner.js";
import { EmptyTranscript, isOverLimit, TooLarge, UnsupportedEncoding, UnsupportedInput } from "../errors.js";
import { buildCompletedEvent } from "../events/batch-processing-completed.js";
import type { EventPublisher, PublishOutcome } from "../events/event-publisher.js";
import type { Logger } from "../logger.js";
import type { PipelineObserver } from "../observability/metrics.js";
import { ProviderFailure, type Transcriber } from "../transcription/transcriber.js";
import type { TextWork } from "../text/text-work.js";
import { detectInput } from "../upload/input-detection.js";
import type { ReceivedUpload } from "../upload/received-upload.js";
import type { RequestContext } from "./request-context.js";
import type { TranscriptMetadata, TranscriptSource } from "./transcript.js";

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

export interface RawTranscript {
  source: TranscriptSource;
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
          throw new TooLarge("Captions files", deps.maxCaptionsBytes);
        }
        const imported = await deps.textWork.importCaptions({ path: job.upload.path, format: input.format, encoding: input.encoding });
        if (!imported.ok) throw new UnsupportedEncoding();
        return {
          source: "captions",
          text: imported.captions.transcript,
          metadata: { provider: null, model: null, duration_s: imported.captions.durationS, request_id: null },
        };
      }
      case "unsupported-encoding":
        throw new UnsupportedEncoding();
      case "unsupported":
        throw new UnsupportedInput(input.mime);
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
      deps.observer.transcribed(deps.transcriber.provider, error instanceof ProviderFailure ? error.kind : "failed", seconds());
      throw error;
    }
  }

  return {
    async process(job: BatchJob): Promise<BatchOutcome> {
      deps.observer.uploadReceived(job.upload.bytes);
      const raw = await readTranscript(job);
      job.log.info({ source: raw.source, raw_length: raw.text.length, ...raw.metadata }, "transcript ready");
      if (raw.text.trim() === "") {
        throw new EmptyTranscript(raw.source);
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
