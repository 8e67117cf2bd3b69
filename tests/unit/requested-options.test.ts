import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidOption, UnsupportedOption } from "../../app/domain/failures.js";
import { canonicalLanguageTag, KEYTERM_LIMITS } from "../../app/domain/transcription-options.js";
import { loadConfig } from "../../app/config/config.js";
import { createProviderOptionPolicy } from "../../app/transcription/provider-registry.js";
import type { AskedOptions } from "../../app/transcription/requested-options.js";
import { shapesOf } from "../support/adversarial-text.js";

const deepgram = createProviderOptionPolicy("deepgram", loadConfig({}), ["nova-3", "nova-3-medical", "nova-2"]);
const openai = createProviderOptionPolicy("openai", loadConfig({}), ["whisper-1", "gpt-4o-transcribe-diarize"]);

const refusal = (resolve: () => unknown) => {
  try {
    resolve();
  } catch (error) {
    return error;
  }
  throw new Error("resolved, not refused");
};

describe("request options", () => {
  it("fills in the operator's defaults when a request sets nothing", () => {
    expect(deepgram.resolve({})).toEqual({
      model: "nova-3",
      language: null,
      detect_language: false,
      keyterm: [],
      redact: [],
      diarize: true,
      punctuate: true,
      smart_format: true,
    });
    expect(openai.resolve({})).toMatchObject({
      model: "whisper-1",
      diarize: false,
      punctuate: true,
      smart_format: false,
    });
    expect(openai.resolve({ model: ["gpt-4o-transcribe-diarize"] })).toMatchObject({ diarize: true });
  });

  it("takes every option as asked: the tag canonical, repeats kept in order, a repeated redaction once", () => {
    const asked: AskedOptions = {
      language: ["pt-br"],
      model: ["nova-3-medical"],
      keyterm: ["Acme", "Zed Corp"],
      redact: ["pci", "pii", "pci"],
      diarize: ["false"],
      punctuate: ["false"],
      smart_format: ["false"],
    };
    expect(deepgram.resolve(asked)).toEqual({
      model: "nova-3-medical",
      language: "pt-BR",
      detect_language: false,
      keyterm: ["Acme", "Zed Corp"],
      redact: ["pci", "pii"],
      diarize: false,
      punctuate: false,
      smart_format: false,
    });
  });

  it.each<[string, AskedOptions, string]>([
    ["a malformed language tag", { language: ["english please"] }, "language"],
    ["an empty language", { language: [""] }, "language"],
    ["a language given twice", { language: ["es", "fr"] }, "language"],
    ["language with detect_language", { language: ["es"], detect_language: ["true"] }, "detect_language"],
    ["a switch that is not true or false", { diarize: ["yes"] }, "diarize"],
    ["an unknown redaction", { redact: ["ssn"] }, "redact"],
    ["an empty keyterm", { keyterm: [" "] }, "keyterm"],
    ["a keyterm with a line break", { keyterm: ["Acme\nCorp"] }, "keyterm"],
    ["a keyterm too long", { keyterm: ["x".repeat(KEYTERM_LIMITS.chars + 1)] }, "keyterm"],
    ["too many keyterms", { keyterm: Array.from({ length: KEYTERM_LIMITS.count + 1 }, (_, i) => `t${i}`) }, "keyterm"],
    ["a model not allowed", { model: ["nova-1"] }, "model"],
  ])("refuses %s with a 400 naming the parameter", (_, asked, parameter) => {
    const error = refusal(() => deepgram.resolve(asked));
    expect(error).toBeInstanceOf(InvalidOption);
    expect(error).toMatchObject({ code: "invalid_option", details: { parameter } });
  });

  it("lists the models a request may name when it names another", () => {
    expect(refusal(() => deepgram.resolve({ model: ["whisper-1"] }))).toMatchObject({
      details: { parameter: "model", allowed: ["nova-3", "nova-3-medical", "nova-2"] },
      message: expect.stringContaining("nova-3, nova-3-medical, nova-2") as unknown,
    });
    const only = createProviderOptionPolicy("deepgram", loadConfig({ DEEPGRAM_MODEL: "nova-2" }), []);
    expect(only.models).toEqual(["nova-2"]);
    expect(refusal(() => only.resolve({ model: ["nova-3"] }))).toMatchObject({ details: { allowed: ["nova-2"] } });
  });

  it.each<[string, typeof openai, AskedOptions, string]>([
    ["redact on the OpenAI-compatible server", openai, { redact: ["pci"] }, "redact"],
    ["smart_format on the OpenAI-compatible server", openai, { smart_format: ["true"] }, "smart_format"],
    ["no punctuation from Whisper", openai, { punctuate: ["false"] }, "punctuate"],
    ["speakers from a model that does not diarize", openai, { diarize: ["true"] }, "diarize"],
    [
      "key terms for a diarizing model (it takes no prompt)",
      openai,
      { model: ["gpt-4o-transcribe-diarize"], keyterm: ["Acme"] },
      "keyterm",
    ],
    ["key terms for a Deepgram model before Nova-3", deepgram, { model: ["nova-2"], keyterm: ["Acme"] }, "keyterm"],
  ])("refuses %s with a 422 naming the option and the provider", (_, policy, asked, option) => {
    const error = refusal(() => policy.resolve(asked));
    expect(error).toBeInstanceOf(UnsupportedOption);
    expect(error).toMatchObject({ code: "unsupported_option", details: { option, provider: policy.provider } });
  });

  it("honours on OpenAI what it can: language, detection, key terms as a prompt, the switches it always has", () => {
    expect(
      openai.resolve({
        language: ["es"],
        keyterm: ["Acme"],
        punctuate: ["true"],
        smart_format: ["false"],
        diarize: ["false"],
      }),
    ).toMatchObject({ language: "es", keyterm: ["Acme"] });
    expect(openai.resolve({ detect_language: ["true"] })).toMatchObject({ detect_language: true });
  });

  it("answers any text as a language with a tag or a 400, in time linear in its length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          expect(deepgram.resolve({ language: [text] }).language).toBe(canonicalLanguageTag(text));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOption);
        }
      }),
    );
    // Inputs that are slow for backtracking patterns, 1 MB each: refused at once by the bounds on length.
    for (const [, text] of shapesOf(1024 * 1024)) {
      expect(() => deepgram.resolve({ language: [text] })).toThrow(InvalidOption);
      expect(() => deepgram.resolve({ keyterm: [text] })).toThrow(InvalidOption);
    }
  });
});
