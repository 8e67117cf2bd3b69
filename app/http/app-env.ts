import type { HttpBindings } from "@hono/node-server";
import type { RequestContext } from "../context/request-context.js";
import type { Logger } from "../logger.js";

/** The typed variables every handler can read from `c.var`. */
export interface AppVariables {
  interactionId: string;
  context: RequestContext;
  /** The request's logger: every line carries `interaction_id`. */
  log: Logger;
  /** What the handler learnt, added to the request's one access-log line. */
  outcome?: { bytes?: number; cleaner?: string; event_status?: string; source?: string };
}

export interface AppEnv {
  Variables: AppVariables;
  /** Present under @hono/node-server; absent when tests call `app.request()`. */
  Bindings: Partial<HttpBindings>;
}
