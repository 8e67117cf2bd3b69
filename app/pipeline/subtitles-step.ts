import { SubtitlesUnavailable } from "../domain/failures.js";
import type { SubtitleLayout } from "../subtitles/subtitle-cues.js";
import type { SubtitleFormat } from "../subtitles/subtitle-files.js";
import type { TextWork } from "../text-work/text-work.js";
import type { Transcripts } from "./batch-job.js";

/** Subtitles of transcripts, written off the event loop; `SubtitlesUnavailable` when they have no timings. */
export function createSubtitlesStep(textWork: TextWork) {
  return async function subtitles(
    { raw }: Transcripts,
    format: SubtitleFormat,
    layout: SubtitleLayout,
    signal?: AbortSignal,
  ): Promise<string> {
    const rendered = await textWork.renderSubtitles(
      {
        transcript: {
          source: raw.source,
          words: raw.words,
          utterances: raw.utterances,
          language: raw.language?.code ?? null,
        },
        format,
        layout,
      },
      signal,
    );
    if (!rendered.ok) throw new SubtitlesUnavailable();
    return rendered.text;
  };
}
