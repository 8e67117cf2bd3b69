import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { superviseChild } from "../../tools/dev-supervisor.js";

/** A child that records its life in `log`: started, and stopped gracefully (after a pause) on SIGTERM. */
const CHILD = `
import { appendFileSync } from "node:fs";
const log = process.argv[2];
appendFileSync(log, "start\\n");
process.on("SIGTERM", () => setTimeout(() => { appendFileSync(log, "graceful\\n"); process.exit(0); }, 300));
setInterval(() => {}, 1000);
`;

describe("the dev supervisor", () => {
  it("restarts its child on a change only after the child's own graceful stop, and stops it the same way", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervisor-"));
    await mkdir(join(dir, "src"));
    const log = join(dir, "life.log");
    await writeFile(join(dir, "child.mjs"), CHILD);
    const lines: string[] = [];
    const child = superviseChild({
      command: [process.execPath, join(dir, "child.mjs"), log],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      stopLimitMs: 10_000,
      watchDirs: [join(dir, "src")],
      pipeOut: (stdout) => stdout,
      out: new PassThrough(),
      log: (line) => lines.push(line),
      debounceMs: 50,
    });
    const lifeOf = () => readFile(log, "utf8").catch(() => "");
    await expect.poll(lifeOf, { timeout: 10_000 }).toBe("start\n");
    await writeFile(join(dir, "src", "module.ts"), "export const changed = true;\n");
    await expect.poll(lifeOf, { timeout: 10_000 }).toBe("start\ngraceful\nstart\n");
    // A file that is not source does not restart it.
    await writeFile(join(dir, "src", "notes.md"), "#\n");
    await child.stop();
    expect(await lifeOf()).toBe("start\ngraceful\nstart\ngraceful\n");
    expect(lines.some((line) => line.startsWith("change seen"))).toBe(true);
  });
});
