import { readFile } from "node:fs/promises";
import autocannon from "autocannon";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "/work/main/tests/support/fake-deepgram.js";
import { MULTIPART_TYPE, multipartBody } from "/work/main/tests/support/multipart.js";
import { startServerProcess } from "/work/main/tests/support/server-process.js";
import { startFakeEventBridge } from "/work/main/bench/fake-eventbridge.js";

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? MiB);
const deepgram = await startFakeDeepgram();
const eventBridge = await startFakeEventBridge();
const ours = await startServerProcess({
  NODE_OPTIONS: `--max-semi-space-size=2 ${process.env.PROF ? "--cpu-prof --cpu-prof-dir=/tmp/prof/out" : ""}`,
  AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1",
  DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: deepgram.url, AWS_ENDPOINT_URL: eventBridge.url,
});
const wav = await readFile("/work/main/tests/fixtures/audio/speech.wav");
const body = multipartBody([{ name: "file", filename: "meeting.wav", content: Buffer.concat([wav.subarray(0, 44), Buffer.alloc(size - 44)]) }]);
const c = Number(process.env.CONN ?? 16);
const r = await autocannon({ url: `${ours.url}/batch/process`, method: "POST", headers: { "content-type": MULTIPART_TYPE }, body, connections: c, duration: Number(process.env.DUR ?? 8) });
console.log({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
await ours.stop();
await deepgram.close(); await eventBridge.close();
