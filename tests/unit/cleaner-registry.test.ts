import { describe, expect, it } from "vitest";
import { CLEANERS } from "../../app/domain/names.js";
import { loadConfig } from "../../app/config/config.js";
import { CLEANER_REGISTRY, createCleaner } from "../../app/cleaning/cleaner-registry.js";
import { captureLogger } from "../support/capture-logger.js";

const cleanerFor = (environment: Record<string, string>) => {
  const config = loadConfig(environment);
  return createCleaner({
    settings: config.cleaner,
    openai: config.openai,
    cleanWithRules: ({ text }) => Promise.resolve(`rules: ${text}`),
  });
};

describe("the cleaner registry", () => {
  it("has one entry per cleaner name, each under its own name", () => {
    expect(Object.keys(CLEANER_REGISTRY).sort()).toEqual([...CLEANERS].sort());
    for (const [name, entry] of Object.entries(CLEANER_REGISTRY)) expect(entry.name).toBe(name);
  });

  it("auto: the model when an OpenAI key is set, the rules otherwise", () => {
    expect(cleanerFor({}).name).toBe("rules");
    expect(cleanerFor({ OPENAI_API_KEY: "sk-test" }).name).toBe("openai");
  });

  it("a named cleaner is that cleaner, with or without a key", () => {
    expect(cleanerFor({ CLEANER: "rules", OPENAI_API_KEY: "sk-test" }).name).toBe("rules");
    expect(cleanerFor({ CLEANER: "openai", OPENAI_API_KEY: "sk-test" }).name).toBe("openai");
  });

  it("the rules run where they are given to (the worker pool in the service)", async () => {
    const cleaned = await cleanerFor({}).clean("um hello", { log: captureLogger().logger });
    expect(cleaned).toEqual({ text: "rules: um hello", cleaner: "rules" });
  });
});
