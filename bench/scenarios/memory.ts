import { readFile } from "node:fs/promises";
import { streamedUpload } from "../../tests/support/streamed-upload.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../../tests/support/fake-deepgram.js";
import { startServerProcess, type ServerProcess } from "../../tests/support/server-process.js";
import { MiB, FIXTURES, round, type BenchContext } from "../bench-kit.js";
import { highestGrowthOnFreshServers } from "../fresh-servers.js";

async function peakGrowth(server: ServerProcess, bytes: number, head: Buffer): Promise<number> {
  await streamedUpload(`${server.url}/batch/process`, { head, fileBytes: 4 * MiB });
  const { result, growthBytes } = await server.peakRssGrowthDuring(() =>
    streamedUpload(`${server.url}/batch/process`, { head, fileBytes: bytes }),
  );
  if (result === "aborted" || result.status !== 200)
    throw new Error(`upload of ${bytes} bytes failed: ${JSON.stringify(result)}`);
  return growthBytes;
}

/**
 * The highest peak growth of one upload of `size` over `rounds` fresh server processes: one lands on about 16
 * or about 43 MiB here, whatever the size, and the highest is what the target and the flatness are judged on.
 */
const highestGrowth = (size: number, rounds: number, deepgramUrl: string, head: Buffer) =>
  highestGrowthOnFreshServers(
    `${size / MiB} MiB`,
    rounds,
    { DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: deepgramUrl, MAX_UPLOAD_BYTES: String(2 * size) },
    (server) => peakGrowth(server, size, head),
  );

/** 2. Peak memory growth while big uploads stream through, against `parseBody()`. */
export async function memory({ quick, record }: BenchContext) {
  console.error("2. memory under big uploads");
  const deepgram = await startFakeDeepgram();
  const head = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
  // Both sizes past the first of V8's collections of spent socket buffers, which a 256 MiB upload often
  // finishes before: a pair across it measured V8's schedule (one level or the other), not the service.
  const sizes = quick ? [256 * MiB, 512 * MiB] : [1024 * MiB, 2048 * MiB];
  const baselineSize = quick ? 64 * MiB : 256 * MiB;
  const rounds = quick ? 2 : 5;
  const growth: number[] = [];
  try {
    for (const size of sizes) growth.push(await highestGrowth(size, rounds, deepgram.url, head));
    const parseBody = await startServerProcess(
      {},
      { entry: ["--import", "tsx", "bench/baseline-server.ts", "parse-body"] },
    );
    let baselineGrowth: number;
    try {
      baselineGrowth = await peakGrowth(parseBody, baselineSize, head);
    } finally {
      await parseBody.stop();
    }
    const largest = sizes.at(-1)!;
    // The target is the issue's, on 1 GiB (512 MiB quick); the largest upload allowed (2 GiB) is reported.
    const judgedIndex = quick ? 1 : 0;
    const judged = growth[judgedIndex]!;
    for (const [index, size] of sizes.entries()) {
      const extrapolated = (baselineGrowth / baselineSize) * size;
      record({
        scenario: `memory ${size / MiB} MiB upload`,
        metric: `peak RSS growth MiB (highest of ${rounds} runs)`,
        ours: round(growth[index]! / MiB, 1),
        baseline: round(extrapolated / MiB, 1),
        ratio: round(growth[index]! / extrapolated, 3),
        target: index === judgedIndex ? "ours < 64 MiB" : "reported",
        met: index === judgedIndex ? judged < 64 * MiB : null,
      });
    }
    record({
      scenario: "memory flatness",
      metric: `growth ${largest / MiB} MiB / growth ${sizes[0]! / MiB} MiB`,
      ours: round(growth.at(-1)! / Math.max(growth[0]!, 1), 2),
      baseline: round(largest / sizes[0]!, 2),
      ratio: null,
      target: "flat (close to 1, vs the size ratio)",
      met: judged < 64 * MiB && growth.at(-1)! / Math.max(growth[0]!, 1) < 1.5,
    });
    record({
      scenario: "memory parseBody() baseline",
      metric: `peak RSS growth MiB for ${baselineSize / MiB} MiB`,
      ours: round(baselineGrowth / MiB, 1),
      baseline: null,
      ratio: null,
      target: "reported (per byte, extrapolated above)",
      met: null,
    });
  } finally {
    await deepgram.close();
  }
}
