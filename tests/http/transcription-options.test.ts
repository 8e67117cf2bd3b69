import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { createOpenAiTranscriber } from "../../app/transcription/openai-transcriber.js";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { capturingPublisher } from "../support/capturing-publisher.js";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, startFakeDeepgram } from "../support/fake-deepgram.js";
import { FAKE_OPENAI_KEY, startFakeOpenAi } from "../support/fake-openai.js";
import { optionPolicyFor } from "../support/option-policies.js";
import { parseSrt, parseVtt } from "../support/subtitle-parsers.js";
import { buildTestApp, FIXTURES, uploadForm } from "../support/test-app.js";

const fixture = (path: string) => readFile(new URL(path, FIXTURES));
/** A diarized answer: two speakers, a turn each. */
const TWO_SPEAKERS = {
  speakers: [
    { speaker: 0, text: "So we ship on Friday?" },
    { speaker: 1, text: "Yes, Friday." },
  ],
};

describe("transcription options and subtitles, through the real SDKs against local servers", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;

  beforeAll(async () => {
    [deepgram, openai] = await Promise.all([
      startFakeDeepgram(),
      startFakeOpenAi({ transcript: "Hola a todos.", language: "spanish" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });
  beforeEach(() => {
    deepgram.requests.length = 0;
    openai.transcriptions.length = 0;
  });

  async function deepgramApp(models = ["nova-3", "nova-3-medical"]) {
    const transcriber = createDeepgramTranscriber({
      apiKey: FAKE_DEEPGRAM_KEY,
      baseUrl: deepgram.url,
      model: "nova-3",
      timeoutS: 5,
    });
    const events = capturingPublisher();
    const built = await buildTestApp({
      transcriber,
      optionPolicy: optionPolicyFor(transcriber, models),
      publisher: events.publisher,
    });
    return { ...built, events };
  }

  async function openAiApp(model = "whisper-1") {
    const transcriber = createOpenAiTranscriber({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model,
      timeoutS: 5,
    });
    return buildTestApp({ transcriber, optionPolicy: optionPolicyFor(transcriber) });
  }

  const post = (
    app: Awaited<ReturnType<typeof buildTestApp>>["app"],
    query: string,
    body: FormData | Uint8Array,
    headers: Record<string, string> = {},
  ) => app.request(`/batch/process${query}`, { method: "POST", body, headers });

  it("sends Deepgram exactly the options asked, and answers words with confidence and the language", async () => {
    const { app, events, dispose } = await deepgramApp();
    try {
      const response = await post(
        app,
        "?language=es&keyterm=Acme&keyterm=Zed%20Corp&redact=pci&redact=pii&smart_format=false",
        uploadForm(await fixture("audio/speech.ogg"), "speech.ogg"),
      );
      expect(response.status).toBe(200);
      const query = deepgram.requests[0]!.query;
      expect(query.getAll("keyterm")).toEqual(["Acme", "Zed Corp"]);
      expect(query.getAll("redact")).toEqual(["pci", "pii"]);
      expect(Object.fromEntries(query)).toMatchObject({ language: "es", model: "nova-3", smart_format: "false" });
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        language: { code: "es", detected: false, confidence: null },
        confidence: 0.98,
        options: {
          model: "nova-3",
          language: "es",
          detect_language: false,
          keyterm: ["Acme", "Zed Corp"],
          redact: ["pci", "pii"],
          diarize: true,
          punctuate: true,
          smart_format: false,
        },
      });
      const words = body.words as Array<Record<string, unknown>>;
      expect(words.map((word) => word.punctuated_word).join(" ")).toBe(SPOKEN_TEXT);
      for (const word of words) {
        expect(word.confidence).toBe(0.98);
        expect(word.end).toBeGreaterThan(word.start as number);
      }
      expect(events.details[0]).toMatchObject({
        version: "1.2",
        data: { language: { code: "es" }, confidence: 0.98, options: { keyterm: ["Acme", "Zed Corp"] } },
      });
    } finally {
      await dispose();
    }
  });

  it("takes the same options on the raw-body form", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      const response = await post(app, "?model=nova-3-medical&diarize=false", await fixture("audio/speech.ogg"), {
        "Content-Type": "audio/ogg",
      });
      expect(response.status).toBe(200);
      expect(Object.fromEntries(deepgram.requests[0]!.query)).toMatchObject({
        model: "nova-3-medical",
        diarize: "false",
      });
    } finally {
      await dispose();
    }
  });

  it("answers the language Deepgram detected, in the answer and the event", async () => {
    const { app, events, dispose } = await deepgramApp();
    try {
      deepgram.script({ detectedLanguage: { code: "fr", confidence: 0.87 } });
      const response = await post(app, "?detect_language=true", uploadForm(await fixture("audio/speech.ogg")));
      expect(deepgram.requests[0]!.query.get("detect_language")).toBe("true");
      const detected = { code: "fr", detected: true, confidence: 0.87 };
      expect(await response.json()).toMatchObject({ language: detected });
      expect(events.details[0]).toMatchObject({ data: { language: detected } });
    } finally {
      await dispose();
    }
  });

  it("tells a failure's event what the provider was asked, and that captions asked a provider nothing", async () => {
    const { app, events, dispose } = await deepgramApp();
    try {
      deepgram.script({ status: 400 });
      const failed = await post(app, "?language=es&keyterm=Acme", uploadForm(await fixture("audio/speech.ogg")));
      expect(failed.status).toBe(502);
      const asked = deepgram.requests[0]!.query;
      expect(events.details).toHaveLength(1);
      expect(events.details[0]).toMatchObject({
        version: "1.1",
        status: "failed",
        error: { code: "provider_failed", stage: "transcription" },
        options: { model: asked.get("model"), language: "es", keyterm: ["Acme"], detect_language: false },
      });
      const empty = await post(app, "?language=es", uploadForm("WEBVTT\n\nNOTE nothing said\n", "empty.vtt"));
      expect(empty.status).toBe(422);
      expect(events.details[1]).toMatchObject({ status: "failed", error: { code: "empty_transcript" }, options: null });
    } finally {
      await dispose();
    }
  });

  it("refuses a model outside TRANSCRIPTION_MODELS with a 400 listing the allowed ones, before reading the body", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      const response = await post(app, "?model=nova-1", uploadForm(await fixture("audio/speech.ogg")));
      expect(response.status).toBe(400);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({
        code: "invalid_query",
        parameter: "model",
        allowed: ["nova-3", "nova-3-medical"],
      });
      expect(deepgram.requests).toEqual([]);
    } finally {
      await dispose();
    }
  });

  it("sends the OpenAI-compatible server the language and the key terms as its prompt", async () => {
    const { app, dispose } = await openAiApp();
    try {
      const response = await post(app, "?language=es&keyterm=Acme", uploadForm(await fixture("audio/speech.mp3")));
      expect(response.status).toBe(200);
      expect(openai.transcriptions[0]?.fields).toMatchObject({ language: "es", prompt: "Key terms: Acme." });
      expect(await response.json()).toMatchObject({ language: { code: "es", detected: false } });
    } finally {
      await dispose();
    }
  });

  it("answers the language the OpenAI-compatible server detected when none was asked", async () => {
    const { app, dispose } = await openAiApp();
    try {
      const response = await post(app, "", uploadForm(await fixture("audio/speech.mp3")));
      expect(await response.json()).toMatchObject({ language: { code: "es", detected: true, confidence: null } });
    } finally {
      await dispose();
    }
  });

  it("refuses redact on the OpenAI-compatible server with a 422 naming the option and the provider", async () => {
    const { app, dispose } = await openAiApp();
    try {
      const response = await app.request("/batch/process?redact=pci", {
        method: "POST",
        body: uploadForm(await fixture("audio/speech.mp3")),
      });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        code: "unsupported_option",
        option: "redact",
        provider: "openai",
        type: "/problems/unsupported-option",
      });
      expect(openai.transcriptions).toEqual([]);
    } finally {
      await dispose();
    }
  });

  it("refuses redaction of a captions import, which is not transcribed", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      const response = await post(app, "?redact=pii", uploadForm(await fixture("captions/meeting.vtt")));
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        code: "unsupported_option",
        option: "redact",
        provider: "captions",
      });
    } finally {
      await dispose();
    }
  });

  it.each<[string, string, string]>([
    ["Spanish", "captions/reunion.es.vtt", "es"],
    ["French", "captions/reunion.fr.srt", "fr"],
  ])("cleans %s captions of their fillers and keeps every other word", async (_, path, language) => {
    const { app, dispose } = await deepgramApp();
    try {
      const response = await post(app, `?language=${language}`, uploadForm(await fixture(path), path.split("/")[1]));
      const body = (await response.json()) as { cleaned_transcript: string; language: unknown; options: unknown };
      expect(body.language).toEqual({ code: language, detected: false, confidence: null });
      expect(body.options).toBeNull();
      expect(body.cleaned_transcript).toBe(
        language === "es"
          ? "Ana: Este proyecto está casi listo.\nLuis: Pues, vamos a lanzar el viernes.\nAna: Bueno, de acuerdo."
          : "Ben, la réunion est demain.\nAlors, on livre vendredi.",
      );
    } finally {
      await dispose();
    }
  });

  it("answers WebVTT for Accept: text/vtt, valid in an independent parser, the event's fate in headers", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      deepgram.script(TWO_SPEAKERS);
      const response = await post(app, "", uploadForm(await fixture("audio/speech.ogg")), { Accept: "text/vtt" });
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/vtt; charset=utf-8");
      expect(response.headers.get("X-Event-Status")).toBe("published");
      expect(response.headers.get("X-Event-Id")).toBe("evt-1");
      const parsed = parseVtt(await response.text());
      expect(parsed.errors).toEqual([]);
      expect(parsed.cues.map((cue) => cue.text).join(" ")).toBe("So we ship on Friday? Yes, Friday.");
    } finally {
      await dispose();
    }
  });

  it("answers SRT for Accept: application/x-subrip with the layout asked, and JSON when JSON is preferred", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      const query = "?diarize=true&max_line_chars=16&max_lines=1";
      const srt = await post(app, query, uploadForm(await fixture("audio/speech.ogg")), {
        Accept: "application/x-subrip",
      });
      expect(srt.headers.get("Content-Type")).toBe("application/x-subrip; charset=utf-8");
      const cues = parseSrt(await srt.text());
      expect(cues.map((cue) => cue.text).join(" ")).toBe(SPOKEN_TEXT);
      for (const cue of cues) expect(cue.text.length).toBeLessThanOrEqual(16);
      const json = await post(app, "", uploadForm(await fixture("audio/speech.ogg")), {
        Accept: "application/json, text/vtt;q=0.5",
      });
      expect(json.headers.get("Content-Type")).toBe("application/json");
    } finally {
      await dispose();
    }
  });

  it("answers SRT whose lines keep the length asked with the speaker's name in them", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      deepgram.script(TWO_SPEAKERS);
      const query = "?diarize=true&max_line_chars=16&max_lines=1";
      const srt = await post(app, query, uploadForm(await fixture("audio/speech.ogg")), {
        Accept: "application/x-subrip",
      });
      const texts = parseSrt(await srt.text()).map((cue) => cue.text);
      expect(texts).toEqual(["Speaker 0: So we", "ship on Friday?", "Speaker 1: Yes,", "Friday."]);
    } finally {
      await dispose();
    }
  });

  it("refuses subtitles of plain-text captions before processing them: they have no timings", async () => {
    const { app, events, dispose } = await deepgramApp();
    try {
      const response = await post(app, "", uploadForm("we ship on friday", "notes.txt"), { Accept: "text/vtt" });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ code: "subtitles_unavailable" });
      // Nothing was processed, so nothing was published.
      expect(events.details).toEqual([]);
    } finally {
      await dispose();
    }
  });

  it("answers a file without cues for captions whose every cue cleans to nothing, as its transcript is empty", async () => {
    const { app, events, dispose } = await deepgramApp();
    try {
      const fillers = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nUm.\n\n00:00:01.000 --> 00:00:02.000\nuh, hmm\n";
      const vtt = await post(app, "", uploadForm(fillers, "fillers.vtt"), { Accept: "text/vtt" });
      expect(vtt.status).toBe(200);
      expect(vtt.headers.get("X-Event-Status")).toBe("published");
      const parsed = parseVtt(await vtt.text());
      expect(parsed).toMatchObject({ errors: [], cues: [] });
      const srt = await post(app, "", uploadForm(fillers, "fillers.vtt"), { Accept: "application/x-subrip" });
      expect(srt.status).toBe(200);
      expect(parseSrt(await srt.text())).toEqual([]);
      expect(events.details).toHaveLength(2);
    } finally {
      await dispose();
    }
  });

  it("refuses subtitles of audio before transcribing it when the model answers text without timings", async () => {
    const { app, dispose } = await openAiApp("gpt-4o-transcribe");
    try {
      const refused = await post(app, "", uploadForm(await fixture("audio/speech.wav"), "m.wav"), {
        Accept: "text/vtt",
      });
      expect(refused.status).toBe(422);
      const problem = (await refused.json()) as { code: string; detail: string };
      expect(problem.code).toBe("subtitles_unavailable");
      expect(problem.detail).toContain("gpt-4o-transcribe");
      // Nothing was sent to the provider: the refusal cost nothing.
      expect(openai.transcriptions).toHaveLength(0);
      // A file long enough for the early screen is refused from its first bytes, the same way.
      const long = Buffer.concat([await fixture("audio/speech.wav"), Buffer.alloc(512 * 1024)]);
      const early = await post(app, "", uploadForm(long, "m.wav"), { Accept: "application/x-subrip" });
      expect(early.status).toBe(422);
      expect(await early.json()).toMatchObject({ code: "subtitles_unavailable" });
      expect(openai.transcriptions).toHaveLength(0);
      const json = await post(app, "", uploadForm(await fixture("audio/speech.wav"), "m.wav"));
      expect(json.status).toBe(200);
      expect(openai.transcriptions).toHaveLength(1);
    } finally {
      await dispose();
    }
  });

  it("makes subtitles of audio when the model gives timings (whisper-1, the diarizing gpt-4o model)", async () => {
    for (const model of ["whisper-1", "gpt-4o-transcribe-diarize"]) {
      const { app, dispose } = await openAiApp(model);
      try {
        const response = await post(app, "", uploadForm(await fixture("audio/speech.wav"), "m.wav"), {
          Accept: "text/vtt",
        });
        expect(response.status, model).toBe(200);
        expect(parseVtt(await response.text()).errors).toEqual([]);
      } finally {
        await dispose();
      }
    }
  });

  it("returns a captions import's own cues as subtitles, which import back to the same text", async () => {
    const { app, dispose } = await deepgramApp();
    try {
      const response = await post(app, "?language=es", uploadForm(await fixture("captions/reunion.es.vtt"), "r.vtt"), {
        Accept: "text/vtt",
      });
      const vtt = await response.text();
      expect(parseVtt(vtt).errors).toEqual([]);
      expect(parseCaptions(vtt, "vtt").transcript).toBe(
        "Ana: Este proyecto está casi listo.\nLuis: Pues, vamos a lanzar el viernes.\nAna: Bueno, de acuerdo.",
      );
    } finally {
      await dispose();
    }
  });
});
