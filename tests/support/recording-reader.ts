import type { TranscriptionProvider } from "../../app/domain/names.js";
import type { AnswerReader } from "../../app/transcription/provider-answer.js";
import type { Transcription } from "../../app/transcription/transcriber.js";

/**
 * An answer reader that keeps what each answer it was handed said (its provider, its bytes as JSON) and
 * reads every one as a transcription of its own: shows what a transcriber hands its reader, and that it
 * returns the reader's reading.
 */
export function recordingReader(provider: TranscriptionProvider) {
  const reading: Transcription = {
    transcript: "read elsewhere",
    provider,
    model: "m",
    durationS: null,
    requestId: null,
  };
  const answers: Array<{ provider: string; body: unknown }> = [];
  const readAnswer: AnswerReader = (answer) => {
    answers.push({ provider: answer.provider, body: JSON.parse(Buffer.concat(answer.chunks).toString()) });
    return Promise.resolve(reading);
  };
  return { reading, answers, readAnswer };
}
