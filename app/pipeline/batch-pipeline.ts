import type { Cleaner } from "../cleaning/cleaner.js";
import {
  EmptyTranscript,
  isFinalFailure,
  ProviderFailure,
  TextBudgetFull,
  TooLarge,
  UnsupportedEncoding,
} from "../domain/failures.js";
import { createScreenStep, untimedRefusal } from "./screen-step.js";
import { createSubtitlesStep } from "./subtitles-step.js";
import { type FailureStage } from "../events/batch-processing-failed.js";
import type { ClaimCheck } from "../events/claim-check.js";
import type { EventPublisher } from "../events/event-publisher.js";
import type { PipelineObserver } from "../observability/metrics.js";
import { type Transcriber, type Transcription } from "../transcription/transcriber.js";
import type { TextWork } from "../text-work/text-work.js";
import { refuseForCaptions, type OptionPolicy } from "../transcription/requested-options.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import { speakersOfConversation } from "../domain/transcript.js";
import { FILE_HEAD_BYTES } from "../upload/file-head.js";
import { detectInput, detectInputFromHead } from "../upload/input-detection.js";
import { acceptInput, type BatchJob, type BatchOutcome, type RawTranscript, type Transcripts } from "./batch-job.js";

import { createEventSteps } from "./event-steps.js";

export interface BatchPipelineDeps {
  transcriber: Transcriber;
  cleaner: Cleaner;
  publisher: EventPublisher;
  observer: PipelineObserver;
  maxCaptionsBytes: number;
  textWork: TextWork;
  /** Fills in the options of a job that carries none (one queued before requests could set them). */
  optionPolicy: OptionPolicy;
  /** Moves transcripts too big for an event into storage; without it such an event fails to publish. */
  claimCheck?: ClaimCheck | undefined;
  now?: () => Date;
}

/** How far a recording got: the stage a failure belongs to, and what its transcription was asked once it was audio. */
interface Progress {
  stage: FailureStage;
  asked: TranscriptionOptions | null;
}

/**
 * The batch pipeline as a sequence of steps: read a transcript from the upload (transcribe audio, or import
 * captions), clean it, publish `BatchProcessingCompleted`. Each step is a small function over a port. A
 * domain failure after the upload was accepted publishes `BatchProcessingFailed` and is rethrown for the
 * caller to answer; publishing itself never throws.
 */
export function createBatchPipeline(deps: BatchPipelineDeps) {
  const { publishCompleted, publishFailed } = createEventSteps(deps);
  const optionsOf = (job: Pick<BatchJob, "options">): TranscriptionOptions =>
    job.options ?? deps.optionPolicy.resolve({});

  /**
   * Reads the transcript, saying at each step which stage a failure belongs to, and, once the file is found
   * to be audio, what its transcription is asked.
   */
  async function readTranscript(job: BatchJob, progress: Progress): Promise<RawTranscript> {
    const { memory } = job.upload;
    const input =
      job.upload.detected ??
      (memory !== undefined
        ? await detectInputFromHead(memory.head(FILE_HEAD_BYTES))
        : await detectInput(await job.upload.localPath()));
    job.log.debug(
      {
        bytes: job.upload.bytes,
        declared_type: job.upload.declaredType,
        input: input.kind,
        mime: "mime" in input ? input.mime : undefined,
      },
      "upload received",
    );
    acceptInput(input, job.upload.bytes, deps.maxCaptionsBytes);
    const options = optionsOf(job);
    if (input.kind === "audio") progress.asked = options;
    // A file too small for the early screen is judged here, still before any work.
    const untimed = job.wantsTimings === true ? untimedRefusal(input, deps.transcriber, options) : undefined;
    if (untimed !== undefined) throw untimed;
    switch (input.kind) {
      case "audio": {
        progress.stage = "transcription";
        const transcription = await timedTranscription(job, input.mime, options);
        return {
          source: "audio",
          text: transcription.transcript,
          metadata: {
            provider: transcription.provider,
            model: transcription.model,
            duration_s: transcription.durationS,
            request_id: transcription.requestId,
          },
          ...(transcription.utterances !== undefined && { utterances: transcription.utterances }),
          ...(transcription.words !== undefined && { words: transcription.words }),
          confidence: transcription.confidence ?? null,
          language: transcription.language ?? (options.language === null ? null : askedLanguage(options.language)),
          options,
        };
      }
      case "captions": {
        refuseForCaptions(options);
        progress.stage = "captions_import";
        const source = memory !== undefined ? { contents: memory.whole() } : { path: await job.upload.localPath() };
        const imported = await deps.textWork.importCaptions(
          { source, format: input.format, encoding: input.encoding },
          job.signal,
        );
        if (!imported.ok) throw new UnsupportedEncoding();
        return {
          source: "captions",
          text: imported.captions.transcript,
          metadata: { provider: null, model: null, duration_s: imported.captions.durationS, request_id: null },
          ...(imported.captions.utterances !== null && { utterances: imported.captions.utterances }),
          confidence: null,
          // What the request said the captions are in; nothing is detected.
          language: options.language === null ? null : askedLanguage(options.language),
          options: null,
        };
      }
    }
  }

  function transcribe(job: BatchJob, mime: string, asked: TranscriptionOptions): Promise<Transcription> {
    const options = { log: job.log, signal: job.signal, options: asked, textRoom: job.textRoom };
    const { remoteUrl, tee } = job.upload;
    const early = tee?.started;
    if (early !== undefined) {
      if (early.mime === mime) return early.transcription;
      // The whole file reads as another type than its head did: that transcription is dropped, the file sent.
      tee?.abandon();
    }
    // A provider that fetches a URL itself takes one: the bytes then never pass through this process.
    if (remoteUrl !== undefined && deps.transcriber.transcribeUrl !== undefined) {
      const transcribeUrl = deps.transcriber.transcribeUrl.bind(deps.transcriber);
      return remoteUrl().then((url) => transcribeUrl({ url, bytes: job.upload.bytes, mime }, options));
    }
    return job.upload
      .localPath()
      .then((path) => deps.transcriber.transcribe({ path, bytes: job.upload.bytes, mime }, options));
  }

  async function timedTranscription(job: BatchJob, mime: string, options: TranscriptionOptions) {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const transcription = await transcribe(job, mime, options);
      deps.observer.transcribed(transcription.provider, "ok", seconds());
      return transcription;
    } catch (error) {
      // A refusal after the provider answered (too long, no room to read it) is not the provider failing.
      const outcome =
        error instanceof ProviderFailure
          ? error.kind
          : error instanceof TooLarge || error instanceof TextBudgetFull
            ? error.code
            : "failed";
      deps.observer.transcribed(deps.transcriber.provider, outcome, seconds());
      throw error;
    }
  }

  /** Transcript in, both transcripts out; a domain failure publishes its event before it is thrown. */
  async function transcribeAndClean(job: BatchJob): Promise<Transcripts> {
    deps.observer.uploadReceived(job.upload.bytes);
    const progress: Progress = { stage: "detection", asked: null };
    let raw: RawTranscript;
    try {
      raw = await readTranscript(job, progress);
      job.log.debug({ source: raw.source, raw_length: raw.text.length, ...raw.metadata }, "transcript ready");
      progress.stage = "validation";
      if (raw.text.trim() === "") throw new EmptyTranscript(raw.source);
    } catch (error) {
      // A transient failure (storage) is retried by the caller: it ends nothing, so it publishes nothing.
      if (isFinalFailure(error) && !job.signal?.aborted && ((await job.mayPublishFailure?.()) ?? true)) {
        const event = await publishFailed(job, error, progress.stage, progress.asked);
        job.onFailure?.({ error, stage: progress.stage, event });
      }
      throw error;
    }
    const cleaned = await deps.cleaner.clean(raw.text, {
      log: job.log,
      signal: job.signal,
      language: raw.language?.code ?? null,
      // A provider's transcript is labelled by us, from its speakers; a captions file may name them in its text.
      speakers: raw.source === "captions" ? undefined : speakersOfConversation(raw.utterances),
    });
    job.log.debug({ cleaner: cleaned.cleaner, cleaned_length: cleaned.text.length }, "transcript cleaned");
    deps.observer.cleaned(cleaned.cleaner);
    return { raw, cleaned };
  }

  return {
    screen: createScreenStep(deps.transcriber),
    /** Whether audio can be handed to the transcriber while it is still being uploaded. */
    transcribesArriving: deps.transcriber.configured && deps.transcriber.transcribeArriving !== undefined,
    transcribeAndClean,
    publishCompleted,
    publishFailed,
    subtitles: createSubtitlesStep(deps.textWork),
    /** The whole pipeline, as the synchronous endpoint runs it. */
    async process(job: BatchJob): Promise<BatchOutcome> {
      const transcripts = await transcribeAndClean(job);
      const event = await publishCompleted(job, transcripts);
      return { ...transcripts, event };
    },
  };
}

export type BatchPipeline = ReturnType<typeof createBatchPipeline>;

const askedLanguage = (code: string) => ({ code, detected: false, confidence: null });
