import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { describeProblemPage } from "../openapi.js";
import { ApiError, ERRORS, problemSlug } from "../problem.js";
import { codeOfSlug, PROBLEM_GUIDE } from "../problem-guide.js";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character]!);

/**
 * `GET /problems/{slug}`: what every problem `type` links to, from the one error table: a short page for a
 * browser, the same facts as JSON for anything else.
 */
export function problemRoutes() {
  const routes = new Hono<AppEnv>();
  routes.get("/problems/:slug", describeProblemPage, (c) => {
    const code = codeOfSlug(c.req.param("slug"));
    if (code === undefined) throw new ApiError("not_found", "There is no such problem type; see /openapi.json for the codes the API answers with.");
    const { status, title } = ERRORS[code];
    const { meaning, action } = PROBLEM_GUIDE[code];
    const type = `/problems/${problemSlug(code)}`;
    if ((c.req.header("Accept") ?? "").includes("text/html")) {
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
          `<title>${escapeHtml(title)} (${status})</title></head><body><main>` +
          `<h1>${escapeHtml(title)}</h1><p><strong>HTTP ${status}</strong>, code <code>${code}</code></p>` +
          `<h2>What it means</h2><p>${escapeHtml(meaning)}</p><h2>What to do</h2><p>${escapeHtml(action)}</p>` +
          `<p>Every answer with this problem carries an <code>interaction_id</code>: give it to the operator when asking about one.</p>` +
          `</main></body></html>`,
      );
    }
    return c.json({ type, title, status, code, detail: meaning, action });
  });
  return routes;
}
