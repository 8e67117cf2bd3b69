import type { Context } from "hono";
import type { IdentityVariables } from "./app-env.js";

/**
 * Tells the client of something the service replaced or ignored rather than refused: a line in `X-Warning`,
 * and the same in the answer's `warnings` (an upload's answer repeats them).
 */
export function warnClient<E extends { Variables: IdentityVariables }>(c: Context<E>, warning: string): void {
  c.header("X-Warning", warning, { append: true });
  c.set("warnings", [...(c.var.warnings ?? []), warning]);
}
