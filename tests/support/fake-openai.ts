import { setTimeout as sleep } from "node:timers/promises";
import busboy from "busboy";
import { listenOnLoopback, readJson, sendJson, sendTruncated, type LocalServer } from "./local-server.js";

export const FAKE_OPENAI_KEY = "sk-test-key";

export interface OpenAiReply {
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
  truncate?: boolean;
  finishReason?: "stop" | "length" | "content_filter";
  /** Replaces the reply's content; by default the fake "model" drops um/uh and nothing else. */
  content?: string;
  /** Replaces a transcription answer's whole body. */
  body?: unknown;
}

interface ChatRequest {
  model: string;
  temperature?: number;
  messages: Array<{ role: string; content: string }>;
}

export interface TranscriptionRequest {
  model: string | undefined;
  filename: string | undefined;
  bytes: number;
  /** The other form fields: `response_format`, `timestamp_granularities[]` (repeats joined by commas), `language`, `prompt`, `chunking_strategy`. */
  fields: Record<string, string>;
}

export interface FakeSegment {
  start: number;
  end: number;
  text: string;
  /** Sent only in `diarized_json` answers, as OpenAI's diarizing model does. */
  speaker?: string;
}

/** The documented answer shapes of `/audio/transcriptions`, by `response_format`. */
export function transcriptionAnswer(
  fields: Record<string, string>,
  text: string,
  segments: FakeSegment[],
  language: string,
) {
  const format = fields.response_format;
  const duration = segments.at(-1)?.end ?? 0;
  if (format === "verbose_json") {
    const wantsWords = (fields["timestamp_granularities[]"] ?? "").split(",").includes("word");
    return {
      task: "transcribe",
      language,
      duration,
      text,
      // Whisper's words: as spoken, without punctuation, timed evenly within their segment here.
      ...(wantsWords && { words: segments.flatMap(wordsOf) }),
      segments: segments.map((segment, id) => ({
        id,
        seek: 0,
        start: segment.start,
        end: segment.end,
        // Whisper starts each segment's text with a space.
        text: ` ${segment.text}`,
        tokens: [50364, 400],
        temperature: 0,
        avg_logprob: -0.2,
        compression_ratio: 1.1,
        no_speech_prob: 0.01,
      })),
    };
  }
  if (format === "diarized_json") {
    return {
      task: "transcribe",
      duration,
      text,
      segments: segments.map((segment, id) => ({
        type: "transcript.text.segment",
        id: `seg_${id}`,
        ...segment,
        speaker: segment.speaker ?? "A",
      })),
      usage: { type: "duration", seconds: Math.ceil(duration) },
    };
  }
  return { text, usage: { type: "duration", seconds: Math.ceil(duration) } };
}

function wordsOf(segment: FakeSegment) {
  const words = segment.text.split(/\s+/).filter((word) => word !== "");
  const step = (segment.end - segment.start) / Math.max(1, words.length);
  return words.map((word, index) => ({
    word: word.replace(/[.,!?]/g, ""),
    start: segment.start + index * step,
    end: segment.start + (index + 1) * step,
  }));
}

/** The fake model's cleaning: enough to tell its output from the input and from the rules cleaner's. */
export function fakeModelClean(text: string): string {
  return text.replace(/\b(?:um|uh),?\s*/gi, "");
}

function completion(model: string, content: string, finishReason: string) {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finishReason },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** A local server that speaks OpenAI's chat completions and audio transcriptions, scripted per request. */
export async function startFakeOpenAi(
  options: { transcript?: string; segments?: FakeSegment[]; language?: string } = {},
): Promise<
  LocalServer & {
    baseUrl: string;
    chats: ChatRequest[];
    transcriptions: TranscriptionRequest[];
    maxConcurrentChats: () => number;
    script(...replies: OpenAiReply[]): void;
    /** Replaces the fake model's cleaning for unscripted replies; `undefined` restores `fakeModelClean`. */
    useModel(model: ((input: string) => string) | undefined): void;
  }
> {
  const chats: ChatRequest[] = [];
  const transcriptions: TranscriptionRequest[] = [];
  const queue: OpenAiReply[] = [];
  let model = fakeModelClean;
  let inFlight = 0;
  let maxInFlight = 0;

  const local = await listenOnLoopback(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.headers.authorization !== `Bearer ${FAKE_OPENAI_KEY}`) {
      request.resume();
      sendJson(response, 401, {
        error: {
          message: "Incorrect API key provided.",
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      });
      return;
    }
    if (request.method === "POST" && path === "/v1/chat/completions") {
      const body = (await readJson(request)) as ChatRequest;
      chats.push(body);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const reply = queue.shift() ?? {};
        if (reply.delayMs) await sleep(reply.delayMs);
        const input = body.messages.find((message) => message.role === "user")?.content ?? "";
        const answer = completion(body.model, reply.content ?? model(input), reply.finishReason ?? "stop");
        if (reply.truncate) return sendTruncated(response, answer);
        const status = reply.status ?? 200;
        sendJson(
          response,
          status,
          status === 200
            ? answer
            : { error: { message: `Scripted ${status}`, type: "server_error", param: null, code: null } },
          reply.headers,
        );
      } finally {
        inFlight -= 1;
      }
      return;
    }
    if (request.method === "POST" && path === "/v1/audio/transcriptions") {
      const received: TranscriptionRequest = { model: undefined, filename: undefined, bytes: 0, fields: {} };
      await new Promise<void>((resolve, reject) => {
        const parser = busboy({ headers: request.headers });
        parser.on("field", (name, value) => {
          if (name === "model") received.model = value;
          // A repeated field (`timestamp_granularities[]`) is kept as its values joined by commas.
          else
            received.fields[name] = received.fields[name] === undefined ? value : `${received.fields[name]},${value}`;
        });
        parser.on("file", (_name, stream, info) => {
          received.filename = info.filename;
          stream.on("data", (chunk: Buffer) => (received.bytes += chunk.length));
        });
        parser.on("close", resolve);
        parser.on("error", reject);
        request.pipe(parser);
      });
      transcriptions.push(received);
      const text = options.transcript ?? "Um, I I think we ship on Friday.";
      const segments = options.segments ?? [{ start: 0, end: 2.5, text }];
      const reply = queue.shift() ?? {};
      if (reply.delayMs) await sleep(reply.delayMs);
      const status = reply.status ?? 200;
      const body =
        status === 200
          ? (reply.body ?? transcriptionAnswer(received.fields, text, segments, options.language ?? "english"))
          : { error: { message: `Scripted ${status}` } };
      if (reply.truncate) sendTruncated(response, body);
      else sendJson(response, status, body, reply.headers);
      return;
    }
    request.resume();
    sendJson(response, 404, { error: { message: "Not found" } });
  });
  return {
    ...local,
    baseUrl: `${local.url}/v1`,
    chats,
    transcriptions,
    maxConcurrentChats: () => maxInFlight,
    script: (...replies) => queue.push(...replies),
    useModel: (replacement) => {
      model = replacement ?? fakeModelClean;
    },
  };
}
