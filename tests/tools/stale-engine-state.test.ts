import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { processCommand, removeStalePidFiles } from "../../tools/image/stale-engine-state.js";

const ownCommand = readFileSync("/proc/self/comm", "utf8").trim();

/** A pid file in a fresh folder holding `content`, expected to name a process called `command`. */
function pidFile(content: string, command: string) {
  const path = join(mkdtempSync(join(tmpdir(), "engine-state-")), "engine.pid");
  writeFileSync(path, content);
  return { path, command };
}

describe("removeStalePidFiles", () => {
  it("keeps a pid file that names its running engine", () => {
    const live = pidFile(`${process.pid}\n`, ownCommand);
    expect(removeStalePidFiles([live])).toEqual([]);
    expect(existsSync(live.path)).toBe(true);
  });

  it("removes one whose pid another program now has, as after a restart that reused it", () => {
    const reused = pidFile(String(process.pid), "dockerd");
    expect(removeStalePidFiles([reused])).toEqual([reused.path]);
    expect(existsSync(reused.path)).toBe(false);
  });

  it("removes one whose process is gone, and one that holds no pid", () => {
    const gone = pidFile("4194304", "containerd");
    const garbage = pidFile("\n", "containerd");
    expect(removeStalePidFiles([gone, garbage])).toEqual([gone.path, garbage.path]);
  });

  it("passes over a pid file that is not there", () => {
    expect(removeStalePidFiles([{ path: join(tmpdir(), "no-such-engine.pid"), command: "dockerd" }])).toEqual([]);
  });

  it("reads a process's command name, and nothing for a pid no process has", () => {
    expect(processCommand(process.pid)).toBe(ownCommand);
    expect(processCommand(4194304)).toBeUndefined();
  });
});
