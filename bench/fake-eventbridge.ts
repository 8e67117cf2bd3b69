import { randomUUID } from "node:crypto";
import { listenOnLoopback, sendJson } from "../tests/support/local-server.js";

/**
 * A local endpoint that answers EventBridge's PutEvents at once (so the emulator's own speed is not what is
 * measured), throttling a given share of calls.
 */
export async function startFakeEventBridge({ throttleShare = 0 } = {}) {
  let calls = 0;
  const local = await listenOnLoopback(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    calls += 1;
    const json = { "content-type": "application/x-amz-json-1.1" };
    if (Math.random() < throttleShare) {
      sendJson(response, 400, { __type: "ThrottlingException", message: "Rate exceeded" }, json);
      return;
    }
    const { Entries: entries = [] } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Entries?: unknown[] };
    sendJson(response, 200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) }, json);
  });
  return { ...local, calls: () => calls };
}
