import { describeRoute } from "hono-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../server/app-env.js";
import { SERVER_REFUSALS, interactionHeader, problemResponses } from "../contract/openapi.js";
import { ApiError, ERRORS, problemSlug } from "../contract/problem.js";
import { codeOfSlug, PROBLEM_GUIDE } from "../contract/problem-guide.js";
import { BASE_STYLE } from "../web/base-style.js";

const describeProblemPage = describeRoute({
  summary: "What a problem type means and what to do",
  description: "The page every problem's `type` links to: HTML for a browser (Accept: text/html), JSON otherwise.",
  tags: ["documentation"],
  security: [],
  parameters: [
    {
      name: "slug",
      in: "path" as const,
      required: true,
      description: "The code with dashes, e.g. provider-not-configured",
      schema: { type: "string" as const },
    },
  ],
  responses: {
    200: {
      description: "The problem type explained",
      headers: interactionHeader,
      content: {
        "text/html": { schema: { type: "string" as const } },
        "application/json": {
          schema: {
            type: "object" as const,
            required: ["type", "title", "status", "code", "detail", "action"],
            properties: {
              type: { type: "string" as const },
              title: { type: "string" as const },
              status: { type: "integer" as const },
              code: { type: "string" as const },
              detail: { type: "string" as const, description: "What it means" },
              action: { type: "string" as const, description: "What to do" },
            },
          },
        },
      },
    },
    ...problemResponses(["not_found", ...SERVER_REFUSALS]),
  },
});

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character]!,
  );

/**
 * `GET /problems/{slug}`: what every problem `type` links to, from the one error table: a short page for a
 * browser, the same facts as JSON for anything else.
 */
export function problemRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/problems/:slug", describeProblemPage, (c) => {
    const code = codeOfSlug(c.req.param("slug"));
    if (code === undefined)
      throw new ApiError(
        "not_found",
        "There is no such problem type; see /openapi.json for the codes the API answers with.",
      );
    const { status, title } = ERRORS[code];
    const { meaning, action } = PROBLEM_GUIDE[code];
    const type = `/problems/${problemSlug(code)}`;
    // The page runs nothing and loads nothing: its text is ours, but a policy proves it.
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    if ((c.req.header("Accept") ?? "").includes("text/html")) {
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
          `<title>${escapeHtml(title)} (${status})</title><style>${BASE_STYLE}</style></head><body><main>` +
          `<h1>${escapeHtml(title)}</h1><div class="card"><p class="status-line"><strong>HTTP ${status}</strong>, code <code>${code}</code></p>` +
          `<h2>What it means</h2><p>${escapeHtml(meaning)}</p><h2>What to do</h2><p>${escapeHtml(action)}</p>` +
          `<p>Every answer with this problem carries an <code>interaction_id</code>: give it to the operator when asking about one.</p></div>` +
          `<p><a href="/">The upload page</a> · <a href="/openapi.json">The API description (OpenAPI)</a></p>` +
          `</main></body></html>`,
      );
    }
    return c.json({ type, title, status, code, detail: meaning, action });
  });
  return routes;
}
