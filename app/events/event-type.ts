import type * as v from "valibot";

/**
 * One detail type the service publishes: everything the publisher, the rule pattern, the metrics and the
 * consumer's envelope need of it. Keyed by the detail's `status`, so choosing the type for a detail is a lookup.
 */
export interface EventType<D extends { status: string } = { status: string }> {
  readonly status: D["status"];
  readonly detailType: string;
  /** The contract versions this type's `version` field may hold. */
  readonly versions: readonly string[];
  /** The detail's contract, as the consumer's envelope and the JSON Schema read it. */
  readonly schema: v.GenericSchema<unknown, D>;
  /** What a log line may say of a detail: sizes and codes, never transcript text. */
  describe(detail: D): Record<string, unknown>;
  /** The bytes known without serialising the detail: a lower bound of its entry, checked before it is built. */
  minimumBytes(detail: D): number;
}
