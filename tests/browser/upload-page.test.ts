import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath } from "../support/chromium.js";
import { createApiKeyAuthenticator, sha256Hex } from "../../app/auth/api-key-authenticator.js";
import { listenTestApp } from "../support/listening-app.js";
import { FIXTURES } from "../support/test-app.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { parseSrt, parseVtt } from "../support/subtitle-parsers.js";

/** Where the screenshots go, for a person to look at after the run. */
const SCREENSHOTS = fileURLToPath(new URL("../../test-results/browser/", import.meta.url));
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

describe("the upload page in a real browser (Chromium, headless)", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    service = await listenTestApp();
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it("uploads the committed VTT and shows both transcripts with their speakers, the event and the interaction id", async () => {
    await page.goto(service.url);
    await page.screenshot({ path: `${SCREENSHOTS}1-empty.png`, fullPage: true });
    await page
      .getByLabel("Recording or captions file")
      .setInputFiles(fileURLToPath(new URL("captions/meeting.vtt", FIXTURES)));
    await page.getByRole("button", { name: "Upload" }).click();
    const cleaned = page.locator("#cleaned");
    await cleaned.filter({ hasText: "ship the release on Friday" }).waitFor();
    expect(await cleaned.textContent()).toContain("Alice: So I think we should ship the release on Friday.");
    expect(await page.locator("#raw").textContent()).toContain("Bob: hmm, okay.");
    expect(await page.locator("#interaction").textContent()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.locator("#event").textContent()).toContain("disabled");
    expect(await page.locator("#tenant").textContent()).toMatch(/^[0-9a-f-]{36}$/);
    const turns = page.getByRole("region", { name: "Who said what, when" }).getByRole("listitem");
    expect(await turns.allInnerTexts()).toEqual([
      // To the tenth of a second, as the captions have them (7.9 s is 0:07.9, not 0:07).
      expect.stringMatching(/^0:00\.0–0:04\.2\s+Alice\s+Um, so I I think/),
      expect.stringMatching(/^0:04\.5–0:07\.9\s+Bob\s+hmm, okay/),
      expect.stringMatching(/^0:08\.1–0:10\.0\s+Alice\s+Right\./),
    ]);
    expect(await page.getByRole("status").textContent()).toBe("Done.");
    expect(await page.locator("#progress").getAttribute("value")).toBe("100");
    await page.screenshot({ path: `${SCREENSHOTS}2-transcripts.png`, fullPage: true });
  });

  it("sends the language and key terms chosen, shows the language, and downloads the transcript as VTT and SRT", async () => {
    await page.goto(service.url);
    expect(await page.locator("#downloads").isHidden()).toBe(true);
    const asked: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/batch/process")) asked.push(new URL(request.url()).search);
    });
    await page.getByLabel("Language").selectOption({ label: "Spanish" });
    await page.getByLabel("Key terms").fill("Ana, Luis ");
    await page
      .getByLabel("Recording or captions file")
      .setInputFiles(fileURLToPath(new URL("captions/reunion.es.vtt", FIXTURES)));
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("#cleaned").filter({ hasText: "Este proyecto" }).waitFor();
    expect(asked).toEqual(["?language=es&keyterm=Ana&keyterm=Luis"]);
    expect(await page.locator("#cleaned").textContent()).toContain("Ana: Este proyecto está casi listo.");
    expect(await page.locator("#language-fact").textContent()).toBe("Spanish (es)");
    expect(await page.locator("#confidence").textContent()).toBe("not given");
    await page.screenshot({ path: `${SCREENSHOTS}2b-spanish.png`, fullPage: true });

    const vttDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download VTT" }).click();
    const vtt = await vttDownload;
    expect(vtt.suggestedFilename()).toMatch(/^transcript-[0-9a-f-]{36}\.vtt$/);
    const parsed = parseVtt(await readFile(await vtt.path(), "utf8"));
    expect(parsed.errors).toEqual([]);
    expect(parsed.cues.map((cue) => [cue.voice, cue.text])).toEqual([
      ["Ana", "Este proyecto está casi listo."],
      ["Luis", "Pues, vamos a lanzar el viernes."],
      ["Ana", "Bueno, de acuerdo."],
    ]);
    const srtDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download SRT" }).click();
    const srt = parseSrt(await readFile(await (await srtDownload).path(), "utf8"));
    expect(srt.map((cue) => cue.start)).toEqual([0, 3.8, 7.2]);
  });

  it("explains a refused file in words: the problem's detail", async () => {
    await page.goto(service.url);
    await page
      .getByLabel("Recording or captions file")
      .setInputFiles({ name: "photo.txt", mimeType: "text/plain", buffer: png });
    await page.getByRole("button", { name: "Upload" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/image\/png is not a supported format/);
    expect(await page.locator("#result").isHidden()).toBe(true);
    // A failure looks like one: no full blue bar above it; the id to quote, and what the problem means.
    expect(await page.locator("#progress").isHidden()).toBe(true);
    expect(await alert.textContent()).toMatch(/Interaction id: [0-9a-f-]{36}/);
    const meaning = alert.getByRole("link", { name: "What this means and what to do" });
    expect(await meaning.getAttribute("href")).toBe("/problems/unsupported-media-type");
    await page.screenshot({ path: `${SCREENSHOTS}3-refused.png`, fullPage: true });
    const explained = await browser.newPage();
    try {
      await explained.goto(`${service.url}/problems/unsupported-media-type`, { waitUntil: "load" });
      expect(await explained.getByRole("heading", { level: 1 }).textContent()).toBe("Unsupported media type");
      expect(await explained.locator("main").textContent()).toContain("UTF-16");
      // The upload page's look: the same font and width, not the browser's default serif.
      expect(await explained.evaluate("getComputedStyle(document.body).maxWidth")).toBe(
        await page.evaluate("getComputedStyle(document.body).maxWidth"),
      );
      expect(await explained.evaluate("getComputedStyle(document.documentElement).fontFamily")).toContain("system-ui");
      await explained.screenshot({ path: `${SCREENSHOTS}3b-problem-page.png`, fullPage: true });
    } finally {
      await explained.close();
    }
  });

  it("shows captions with no speakers without a speaker column", async () => {
    await page.goto(service.url);
    const vtt =
      "WEBVTT\n\n00:00:01.250 --> 00:00:03.000\nWe ship on Friday.\n\n00:00:03.500 --> 00:00:05.900\nThe docs follow.\n";
    await page
      .getByLabel("Recording or captions file")
      .setInputFiles({ name: "plain.vtt", mimeType: "text/vtt", buffer: Buffer.from(vtt) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("#cleaned").filter({ hasText: "We ship on Friday" }).waitFor();
    const turns = page.getByRole("region", { name: "Who said what, when" }).getByRole("listitem");
    expect(await turns.allInnerTexts()).toEqual([
      expect.stringMatching(/^0:01\.3–0:03\.0\s+We ship on Friday\.$/),
      expect.stringMatching(/^0:03\.5–0:05\.9\s+The docs follow\.$/),
    ]);
    expect(await page.locator("#utterances .who").count()).toBe(0);
    expect(await page.locator("#utterances").textContent()).not.toContain("Unknown speaker");
    await page.screenshot({ path: `${SCREENSHOTS}3c-no-speakers.png`, fullPage: true });
  });

  it("refuses audio before uploading a byte when /readyz says no provider is configured, naming the variable", async () => {
    const unconfigured = await listenTestApp({
      transcriber: unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY"),
    });
    const tab = await browser.newPage();
    try {
      const uploads: string[] = [];
      tab.on("request", (request) => {
        if (request.method() === "POST") uploads.push(request.url());
      });
      await tab.goto(unconfigured.url);
      await tab.waitForLoadState("networkidle");
      await tab
        .getByLabel("Recording or captions file")
        .setInputFiles(fileURLToPath(new URL("audio/speech.wav", FIXTURES)));
      await tab.getByRole("button", { name: "Upload" }).click();
      const alert = tab.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/deepgram is not configured \(set DEEPGRAM_API_KEY/);
      expect(uploads).toEqual([]);
      await tab.screenshot({ path: `${SCREENSHOTS}3d-no-provider.png`, fullPage: true });
      // Captions still go.
      await tab
        .getByLabel("Recording or captions file")
        .setInputFiles(fileURLToPath(new URL("captions/meeting.vtt", FIXTURES)));
      await tab.getByRole("button", { name: "Upload" }).click();
      await tab.locator("#cleaned").filter({ hasText: "ship the release on Friday" }).waitFor();
      expect(await tab.getByRole("alert").isHidden()).toBe(true);
    } finally {
      await tab.close();
      await unconfigured.close();
    }
  });

  it("fits a phone-sized screen, labels every control, and is reachable by keyboard", async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 667 } });
    try {
      await phone.goto(service.url);
      // Run in the page, written as source text: the tests are compiled without the DOM's types.
      expect(await phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      const unlabelled =
        await phone.evaluate(`[...document.querySelectorAll("input, select, button")].filter((element) =>
        !element.closest("[hidden]") && (element.tagName === "BUTTON" ? element.textContent.trim() === "" : element.labels.length === 0)).length`);
      expect(unlabelled).toBe(0);
      const focused = () => phone.evaluate("document.activeElement && document.activeElement.id");
      await phone.keyboard.press("Tab");
      expect(await focused()).toBe("file");
      await phone.keyboard.press("Tab");
      expect(await focused()).toBe("language");
      await phone.keyboard.press("Tab");
      expect(await focused()).toBe("keyterms");
      await phone.keyboard.press("Tab");
      expect(await focused()).toBe("async");
      await phone.keyboard.press("Tab");
      expect(await focused()).toBe("submit");
      expect(await phone.locator("#key-field").isHidden()).toBe(true);
      await phone.screenshot({ path: `${SCREENSHOTS}4-phone.png`, fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it("in AUTH_MODE=api-key asks for the key, sends it, and keeps it out of storage", async () => {
    const key = "bts_browser-test-key";
    const secured = await listenTestApp({
      authenticator: createApiKeyAuthenticator([
        { id: "browser", sha256: sha256Hex(key), tenant_id: "11111111-1111-4111-8111-111111111111" },
      ]),
    });
    const tab = await browser.newPage();
    try {
      await tab.goto(secured.url);
      const vtt = fileURLToPath(new URL("captions/meeting.vtt", FIXTURES));
      await tab.getByLabel("Recording or captions file").setInputFiles(vtt);
      await tab.getByRole("button", { name: "Upload" }).click();
      await tab.getByRole("alert").filter({ hasText: "API key" }).waitFor();
      await tab.getByLabel("API key").fill(key);
      await tab.getByRole("button", { name: "Upload" }).click();
      await tab.locator("#cleaned").filter({ hasText: "ship the release on Friday" }).waitFor();
      expect(
        await tab.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie"),
      ).not.toContain(key);
      await tab.screenshot({ path: `${SCREENSHOTS}5-api-key.png`, fullPage: true });
    } finally {
      await tab.close();
      await secured.close();
    }
  });

  it("loads nothing from another origin", async () => {
    const fresh = await browser.newPage();
    const origins = new Set<string>();
    fresh.on("request", (request) => origins.add(new URL(request.url()).origin));
    await fresh.goto(service.url);
    await fresh.waitForLoadState("networkidle");
    expect([...origins]).toEqual([service.url]);
    await fresh.close();
  });
});
