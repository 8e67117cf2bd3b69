import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** DynamoDB refused a write because its condition did not hold (the document client may rename the class). */
export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === "ConditionalCheckFailedException";

/** Runs a conditional write: its result, or `undefined` when its condition did not hold; any other failure throws. */
export async function conditionally<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
