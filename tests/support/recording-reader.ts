import type { TranscriptionProvider } from "../../app/domain/names.js";
import type { AnswerReader } from "../../app/transcription/provider-answer.js";
import type { Transcription } from "../../app/transcription/transcriber.js";

/**
 * An answer reader that keeps what each answer it was handed said (its provider, its bytes as JSON, how many) and
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
  const answers: Array<{ provider: string; body: unknown; bytes: number }> = [];
  const readAnswer: AnswerReader = (answer) => {
    const bytes = Buffer.concat(answer.chunks);
    answers.push({ provider: answer.provider, body: JSON.parse(bytes.toString()), bytes: bytes.byteLength });
    return Promise.resolve(reading);
  };
  return { reading, answers, readAnswer };
}
