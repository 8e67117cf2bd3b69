import { randomUUID } from "node:crypto";

/** A UUID v4 as the contract writes it: lower case. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUID v4 in either case: input is lower-cased once accepted. */
export const ANY_CASE_UUID_V4 = new RegExp(UUID_V4.source, "i");

export function isUuidV4(value: string): boolean {
  return ANY_CASE_UUID_V4.test(value);
}

/** Makes the ids of interactions (a request, a job) and of temporary files. */
export type NewId = () => string;

export const newUuid: NewId = randomUUID;
