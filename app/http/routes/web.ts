import { Hono } from "hono";
import type { AuthMode } from "../../auth/authenticator.js";
import type { AppEnv } from "../server/app-env.js";
import { describeDocument } from "../contract/openapi.js";
import { uploadPage } from "../web/page.js";
import { PAGE_SCRIPT } from "../web/page-script.js";

const describePage = describeDocument("The upload page, for people", "documentation", "HTML", "text/html", {
  type: "string",
});

const describePageScript = describeDocument(
  "The upload page's script",
  "documentation",
  "JavaScript",
  "text/javascript",
  { type: "string" },
);

/** Everything the page loads comes from here: nothing from another origin. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/** `GET /`: the upload page, and `GET /app.js`, its script. */
export function webRoutes(authMode: AuthMode) {
  const page = uploadPage(authMode);
  const routes = new Hono<AppEnv>();
  routes.get("/", describePage, (c) => c.html(page, 200, { "Content-Security-Policy": CONTENT_SECURITY_POLICY }));
  routes.get("/app.js", describePageScript, (c) =>
    c.body(PAGE_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }),
  );
  return routes;
}
