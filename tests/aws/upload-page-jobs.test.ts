import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath } from "../support/chromium.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { serveOnLoopback } from "../support/listening-app.js";
import { FIXTURES } from "../support/test-app.js";

const SCREENSHOTS = fileURLToPath(new URL("../../test-results/browser/", import.meta.url));

/** The tenant the page's job ran as, as its facts show it. */
const tenantOf = (page: import("playwright-core").Page) => page.locator("#tenant").textContent();

describe("the upload page's async mode in a real browser, with a worker behind it (moto_server)", () => {
  let harness: JobHarness;
  let served: Awaited<ReturnType<typeof serveOnLoopback>>;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    harness = await startJobHarness();
    served = await serveOnLoopback(harness.app.fetch);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await harness?.stop();
  });

  it("submits a job, watches it queued until a worker completes it, then shows both transcripts", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const polls: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "GET" && new URL(request.url()).pathname.startsWith("/batch/jobs/"))
        polls.push(request.url());
    });
    try {
      await page.goto(served.url);
      await page.getByLabel("Queue it as a job and watch it").check();
      await page
        .getByLabel("Recording or captions file")
        .setInputFiles(fileURLToPath(new URL("captions/meeting.vtt", FIXTURES)));
      await page.getByRole("button", { name: "Upload" }).click();
      // No worker yet: the page keeps watching a queued job.
      await page.getByRole("status").filter({ hasText: "Job queued" }).waitFor();
      await page.screenshot({ path: `${SCREENSHOTS}6-job-queued.png`, fullPage: true });
      expect(await page.locator("#result").isHidden()).toBe(true);

      harness.startWorker();
      await page.locator("#cleaned").filter({ hasText: "ship the release on Friday" }).waitFor({ timeout: 30_000 });
      expect(await page.locator("#cleaned").textContent()).toContain(
        "Alice: So I think we should ship the release on Friday.",
      );
      expect(await page.locator("#raw").textContent()).toContain("Bob: hmm, okay.");
      expect(await page.getByRole("status").textContent()).toBe("Done.");
      expect(await page.locator("#event").textContent()).toBe("published when the job completed");
      expect(await page.locator("#interaction").textContent()).toMatch(/^[0-9a-f-]{36}$/);
      expect(await page.getByRole("region", { name: "Who said what, when" }).getByRole("listitem").count()).toBe(3);
      expect(polls.length).toBeGreaterThan(1);
      expect(new Set(polls).size).toBe(1);
      await page.screenshot({ path: `${SCREENSHOTS}7-job-completed.png`, fullPage: true });

      // Delete, confirmed: the job is gone from the service, and from the page.
      const jobPath = new URL(polls[0]!).pathname;
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("status").filter({ hasText: "Deleted" }).waitFor();
      expect(await page.locator("#result").isHidden()).toBe(true);
      const gone = await harness.app.request(jobPath, { headers: { "X-Tenant-ID": String(await tenantOf(page)) } });
      expect(gone.status).toBe(404);
      await page.screenshot({ path: `${SCREENSHOTS}7b-job-deleted.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("shows a failed job's message in words", async () => {
    const page = await browser.newPage();
    const watched: string[] = [];
    page.on("response", (response) => {
      if (response.request().method() === "GET" && new URL(response.url()).pathname.startsWith("/batch/jobs/"))
        watched.push(response.url());
    });
    try {
      await page.goto(served.url);
      await page.getByLabel("Queue it as a job and watch it").check();
      await page.getByLabel("Recording or captions file").setInputFiles({
        name: "silence.vtt",
        mimeType: "text/vtt",
        buffer: Buffer.from("WEBVTT\n\n00:00.000 --> 00:01.000\n\n"),
      });
      await page.getByRole("button", { name: "Upload" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).toMatch(/^The captions hold no cue text\.Interaction id: [0-9a-f-]{36}/);
      // A job's failure code is not an API problem: no link to a page that would not be there.
      expect(await alert.getByRole("link").count()).toBe(0);
      // Accepted, then failed by the worker: the page read the failure from the job, not from the upload.
      expect(watched.length).toBeGreaterThan(0);
      await page.screenshot({ path: `${SCREENSHOTS}8-job-failed.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
