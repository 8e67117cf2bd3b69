import { describe, expect, it } from "vitest";
import { ERRORS, type ErrorCode } from "../../app/http/contract/problem.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const { app } = await buildTestApp();
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

describe("every problem type resolves to a page that explains it", () => {
  it.each(Object.keys(ERRORS) as ErrorCode[])("%s: JSON for a client, HTML for a browser", async (code) => {
    const type = `/problems/${code.replaceAll("_", "-")}`;
    const json = await app.request(type, { headers: { Accept: "application/json" } });
    expect(json.status).toBe(200);
    const body = (await json.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type, code, title: ERRORS[code].title, status: ERRORS[code].status });
    expect(String(body.detail).length).toBeGreaterThan(20);
    expect(String(body.action).length).toBeGreaterThan(10);
    const html = await app.request(type, { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(html.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = await html.text();
    expect(page).toContain(`<h1>${ERRORS[code].title.replaceAll("&", "&amp;")}</h1>`);
    expect(page).toContain(`HTTP ${ERRORS[code].status}`);
  });

  it("the type of a real refusal is a link that works", async () => {
    const refused = await postUpload(app, uploadForm(png, "a.wav"));
    const { type } = (await refused.json()) as { type: string };
    expect((await app.request(type)).status).toBe(200);
  });

  it("an unknown problem type is a 404 problem, and the slug is never echoed into HTML", async () => {
    const response = await app.request("/problems/%3Cscript%3Ealert(1)%3C%2Fscript%3E", {
      headers: { Accept: "text/html" },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await response.text()).not.toContain("<script>");
  });
});
