import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { listenOnLoopback, readJson, sendJson, sendTruncated, type LocalServer } from "./local-server.js";

/** What the fake answers to one request; requests beyond the script get a normal transcript. */
export interface DeepgramReply {
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answers only once this settles: lets a test hold a provider call open for as long as it needs. */
  until?: Promise<void>;
  truncate?: boolean;
  /** Sends the answer with its `Content-Length`, as a whole JSON answer usually comes, rather than chunked. */
  sized?: boolean;
  transcript?: string;
  /** Replaces the whole success body. */
  body?: unknown;
  /** Diarized speech: answered as `results.utterances`, as Deepgram does with `utterances=true`. */
  speakers?: Array<{ speaker: number; text: string }>;
  /** What `detect_language=true` found: the channel's `detected_language` and `language_confidence`. */
  detectedLanguage?: { code: string; confidence: number };
}

export interface ReceivedListenRequest {
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  /** Absent when the audio came chunked, as it does while the upload is still arriving. */
  contentLength: string | undefined;
  bytes: number;
  /** The SHA-256 (hex) of the audio bytes as they arrived. */
  sha256?: string;
  /** For a JSON `{ url }` request (Deepgram's hosted-audio input): the URL, and the bytes fetched from it. */
  fetchedUrl?: string;
  fetchedStatus?: number;
}

/** A listen request's body as it arrives: how much so far, and how it ended. */
export interface Arrival {
  bytes: number;
  state: "arriving" | "complete" | "aborted";
}

export const FAKE_DEEPGRAM_KEY = "dg-test-key";
export const SPOKEN_TEXT = "Um, I I think we ship on Friday.";

/** Deepgram's pre-recorded response, shaped as its API reference documents it. */
export function listenResponse(transcript: string, requestId: string) {
  return {
    metadata: {
      transaction_key: "deprecated",
      request_id: requestId,
      sha256: "0".repeat(64),
      created: new Date().toISOString(),
      duration: 2.1,
      channels: 1,
      models: ["2187e11a-3532-4498-b076-81fa530bdd49"],
      model_info: {
        "2187e11a-3532-4498-b076-81fa530bdd49": { name: "general-nova-3", version: "2024-12-20.0", arch: "nova-3" },
      },
    },
    results: {
      channels: [
        {
          alternatives: [
            {
              transcript,
              confidence: 0.98,
              words: transcript.split(" ").map((word, index) => ({
                word: word.toLowerCase().replace(/[^\p{L}']/gu, ""),
                start: index * 0.3,
                end: index * 0.3 + 0.25,
                confidence: 0.98,
                punctuated_word: word,
              })),
            },
          ],
        },
      ],
    },
  };
}

/** A detected language, where Deepgram puts it: on the channel. */
function withDetectedLanguage(body: ReturnType<typeof listenResponse>, detected: DeepgramReply["detectedLanguage"]) {
  if (detected === undefined) return body;
  const channels = body.results.channels.map((channel) => ({
    ...channel,
    detected_language: detected.code,
    language_confidence: detected.confidence,
  }));
  return { ...body, results: { ...body.results, channels } };
}

/**
 * Deepgram's `results.utterances`, one per speaker turn, 2 s each, and each word's `speaker` and
 * `speaker_confidence`, as a diarized answer has them.
 */
function withUtterances(body: ReturnType<typeof listenResponse>, speakers: DeepgramReply["speakers"]) {
  if (speakers === undefined) return body;
  const speakerOfWord = speakers.flatMap((turn) => turn.text.split(" ").map(() => turn.speaker));
  const channels = body.results.channels.map((channel) => ({
    ...channel,
    alternatives: channel.alternatives.map((alternative) => ({
      ...alternative,
      words: alternative.words.map((word, index) => ({
        ...word,
        speaker: speakerOfWord[index],
        speaker_confidence: 0.9,
      })),
    })),
  }));
  const utterances = speakers.map((turn, index) => ({
    start: index * 2,
    end: index * 2 + 1.9,
    confidence: 0.97,
    channel: 0,
    transcript: turn.text,
    words: [],
    speaker: turn.speaker,
    id: randomUUID(),
  }));
  return { ...body, results: { ...body.results, channels, utterances } };
}

/** A local server that speaks Deepgram's `POST /v1/listen`, scripted per request (`unscripted` for the rest). */
export async function startFakeDeepgram(
  unscripted: DeepgramReply = {},
): Promise<
  LocalServer & { requests: ReceivedListenRequest[]; arrivals: Arrival[]; script(...replies: DeepgramReply[]): void }
> {
  const requests: ReceivedListenRequest[] = [];
  const arrivals: Arrival[] = [];
  const queue: DeepgramReply[] = [];
  const local = await listenOnLoopback(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "POST" || url.pathname !== "/v1/listen") {
      sendJson(response, 404, { err_code: "NOT_FOUND", err_msg: "Not found" });
      return;
    }
    const received: ReceivedListenRequest = {
      query: url.searchParams,
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      contentLength: request.headers["content-length"],
      bytes: 0,
    };
    if (received.contentType?.startsWith("application/json")) {
      // Hosted audio: Deepgram fetches the URL itself, as this does (counting what it gets).
      const { url: audioUrl } = (await readJson(request)) as { url: string };
      const audio = await fetch(audioUrl);
      received.fetchedUrl = audioUrl;
      received.fetchedStatus = audio.status;
      received.bytes = (await audio.arrayBuffer()).byteLength;
    } else {
      const arrival: Arrival = { bytes: 0, state: "arriving" };
      arrivals.push(arrival);
      const hash = createHash("sha256");
      try {
        for await (const chunk of request) {
          arrival.bytes += (chunk as Buffer).length;
          hash.update(chunk as Buffer);
        }
      } catch (error) {
        arrival.state = "aborted";
        throw error;
      }
      arrival.state = "complete";
      received.bytes = arrival.bytes;
      received.sha256 = hash.digest("hex");
    }
    requests.push(received);
    const requestId = randomUUID();
    if (request.headers.authorization !== `Token ${FAKE_DEEPGRAM_KEY}`) {
      sendJson(response, 401, {
        err_code: "INVALID_AUTH",
        err_msg: "Invalid credentials.",
        request_id: requestId,
      });
      return;
    }
    const reply = queue.shift() ?? unscripted;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.until) await reply.until;
    const body =
      reply.body ??
      withDetectedLanguage(
        withUtterances(
          listenResponse(
            reply.speakers?.map((turn) => turn.text).join(" ") ?? reply.transcript ?? SPOKEN_TEXT,
            requestId,
          ),
          reply.speakers,
        ),
        reply.detectedLanguage,
      );
    if (reply.truncate) {
      sendTruncated(response, body);
      return;
    }
    const status = reply.status ?? 200;
    const answer = status === 200 ? body : { err_code: "ERROR", err_msg: `Scripted ${status}`, request_id: requestId };
    const length = reply.sized && { "content-length": String(Buffer.byteLength(JSON.stringify(answer))) };
    sendJson(response, status, answer, { ...length, ...reply.headers });
  });
  return { ...local, requests, arrivals, script: (...replies) => queue.push(...replies) };
}
