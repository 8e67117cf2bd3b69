import { buildCompletedEvent } from "../events/batch-processing-completed.js";
import { buildFailedEvent, type FailureStage } from "../events/batch-processing-failed.js";
import type { ClaimCheck } from "../events/claim-check.js";
import type { EventPublisher, PublishOutcome } from "../events/event-publisher.js";
import { detailTypeOf, type TranscriptEventDetail } from "../events/transcript-events.js";
import type { FinalFailure } from "../domain/failures.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import type { Logger } from "../logger.js";
import type { PipelineObserver } from "../observability/metrics.js";
import type { BatchJob, Transcripts } from "./batch-job.js";

export interface EventStepsDeps {
  publisher: EventPublisher;
  observer: PipelineObserver;
  claimCheck?: ClaimCheck | undefined;
  now?: () => Date;
}

/** The pipeline's last step: what became of a recording, as an event. Publishing never throws. */
export function createEventSteps(deps: EventStepsDeps) {
  const now = deps.now ?? (() => new Date());

  async function publish(detail: TranscriptEventDetail, log: Logger): Promise<PublishOutcome> {
    const outcome = await deps.publisher.publish(detail, { log });
    deps.observer.published(detailTypeOf(detail), outcome);
    return outcome;
  }

  async function publishCompleted(job: Omit<BatchJob, "upload">, transcripts: Transcripts): Promise<PublishOutcome> {
    const inline = buildCompletedEvent({
      ...job.context,
      rawTranscript: transcripts.raw.text,
      cleanedTranscript: transcripts.cleaned.text,
      words: transcripts.raw.words,
      language: transcripts.raw.language,
      confidence: transcripts.raw.confidence,
      options: transcripts.raw.options,
      completedAt: now(),
    });
    let detail: TranscriptEventDetail = inline;
    if (deps.claimCheck !== undefined) {
      try {
        detail = await deps.claimCheck(inline);
      } catch (error) {
        job.log.error(
          { err: error, raw_length: transcripts.raw.text.length },
          "transcripts could not be stored for the event's claim check",
        );
        const outcome: PublishOutcome = { status: "failed", error: "ClaimCheckFailed", attempts: 0 };
        deps.observer.published(detailTypeOf(inline), outcome);
        return outcome;
      }
    }
    return publish(detail, job.log);
  }

  async function publishFailed(
    job: Omit<BatchJob, "upload">,
    error: FinalFailure,
    stage: FailureStage,
    asked: TranscriptionOptions | null,
  ): Promise<PublishOutcome> {
    const detail = buildFailedEvent({
      ...job.context,
      code: error.code,
      message: error.message,
      stage,
      options: asked,
      failedAt: now(),
    });
    return publish(detail, job.log);
  }

  return { publishCompleted, publishFailed };
}
