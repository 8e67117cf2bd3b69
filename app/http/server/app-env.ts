import type { MiddlewareHandler } from "hono";
import type { HttpBindings } from "@hono/node-server";
import type { Logger } from "../../logger.js";
import type { RequestContext } from "../../domain/request-context.js";

/** Set by the `interaction` middleware, which runs first on every request. */
export interface InteractionVariables {
  interactionId: string;
  /** The request's logger: every line carries `interaction_id`. */
  log: Logger;
}

/** Set by the `identity` middleware, on the routes that take uploads. */
export interface IdentityVariables {
  context: RequestContext;
  /**
   * What the client is warned of (also in `X-Warning`), repeated in the answer: an identity header replaced,
   * a request option sent as a form field and ignored.
   */
  warnings?: string[];
}

/** What a handler learnt, added to the request's one access-log line; handlers may set it or not. */
export interface OutcomeVariables {
  outcome?: { bytes?: number; cleaner?: string; event_status?: string; event_id?: string; source?: string };
}

/** Present under @hono/node-server; absent when tests call `app.request()`. */
export type EdgeBindings = Partial<HttpBindings>;

/** The root app: what every request has, and what only some do (typed as such). */
export interface AppEnv {
  Variables: InteractionVariables & OutcomeVariables & Partial<IdentityVariables>;
  Bindings: EdgeBindings;
}

/** A route behind `interaction` and `identity`. */
export interface IdentifiedEnv {
  Variables: InteractionVariables & OutcomeVariables & IdentityVariables;
  Bindings: EdgeBindings;
}

/** What runs before a guarded route's handler: the instance's limit, identity (sets `c.var.context`), then the tenant's share. */
export type Admission = [MiddlewareHandler, MiddlewareHandler<IdentifiedEnv>, MiddlewareHandler<IdentifiedEnv>];
/** An upload route's admission: then its turn, while the event loop is behind (`upload-pacing.ts`). */
export type UploadAdmission = [...Admission, MiddlewareHandler<IdentifiedEnv>];
