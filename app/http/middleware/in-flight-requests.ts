import { createMiddleware } from "hono/factory";
import type { EdgeBindings, IdentifiedEnv, InteractionVariables } from "../server/app-env.js";
import { ApiError } from "../contract/problem.js";
import { holdUntilDelivered } from "../server/answer-delivery.js";

export interface InFlightRequest {
  interactionId: string;
  method: string;
  path: string;
  startedAt: number;
}

/**
 * The requests being answered right now (until their answer has left), and whether the service is draining
 * for shutdown. Shutdown waits for this set to empty, and names what it abandons when the grace period runs
 * out.
 */
export function createInFlightRequests() {
  const active = new Map<string, InFlightRequest>();
  let draining = false;

  return {
    get draining() {
      return draining;
    },
    get size() {
      return active.size;
    },
    list: () => [...active.values()],
    startDraining() {
      draining = true;
    },
    /** Tracks each request; past `limit` requests at once, answers 503 with `Retry-After` instead. */
    middleware: ({ limit, retryAfterS = 5 }: { limit: number; retryAfterS?: number }) =>
      createMiddleware<{ Variables: InteractionVariables; Bindings: EdgeBindings }>(
        async function trackInFlight(c, next) {
          if (active.size >= limit) {
            throw new ApiError(
              "too_busy",
              `This instance is already processing ${limit} requests; try again shortly.`,
              {
                retry_after_s: retryAfterS,
              },
            );
          }
          const id = c.var.interactionId;
          active.set(id, { interactionId: id, method: c.req.method, path: c.req.path, startedAt: Date.now() });
          await holdUntilDelivered(next, c.env?.outgoing, () => active.delete(id));
        },
      ),
  };
}

export type InFlightRequests = ReturnType<typeof createInFlightRequests>;

/**
 * Each tenant's share of the instance: past `limit` requests of one tenant at once (each counted until its
 * answer has left), that tenant gets 429 with `Retry-After`; the others are not affected. Runs after
 * identity, which names the tenant.
 */
export function tenantShare({ limit, retryAfterS = 5 }: { limit: number; retryAfterS?: number }) {
  const active = new Map<string, number>();
  return createMiddleware<IdentifiedEnv>(async function tenantShare(c, next) {
    const tenant = c.var.context.tenantId;
    const running = active.get(tenant) ?? 0;
    if (running >= limit) {
      throw new ApiError(
        "tenant_too_busy",
        `This tenant already has ${limit} requests in progress on this instance; try again shortly.`,
        { retry_after_s: retryAfterS },
      );
    }
    active.set(tenant, running + 1);
    await holdUntilDelivered(next, c.env?.outgoing, () => {
      const left = (active.get(tenant) ?? 1) - 1;
      if (left === 0) active.delete(tenant);
      else active.set(tenant, left);
    });
  });
}
