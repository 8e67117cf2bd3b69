import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP = join(ROOT, "app");
const run = promisify(execFile);

/** dependency-cruiser over the given folders with the project's rules; its exit code is the number of violations. */
async function cruise(...folders: string[]): Promise<{ violations: number; output: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"),
        "--config",
        ".dependency-cruiser.cjs",
        ...folders,
      ],
      { cwd: ROOT },
    );
    return { violations: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { violations: failed.code ?? -1, output: failed.stdout ?? "" };
  }
}

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? sourceFiles(join(directory, entry.name))
        : Promise.resolve(entry.name.endsWith(".ts") ? [join(directory, entry.name)] : []),
    ),
  );
  return nested.flat();
}

const importsOf = (source: string) =>
  [...source.matchAll(/^\s*(?:import|export)[^"']*["']([^"']+)["']/gm)].map((match) => match[1]!);

describe("the layers of app/ (written down once, in .dependency-cruiser.cjs)", () => {
  // One folder per run, so runs side by side never remove each other's violations.
  const scratch = join(APP, "domain", `__scratch__-${process.pid}`);
  // Before too: a run cut short must not leave its violations for the next one.
  beforeEach(() => rm(scratch, { recursive: true, force: true }));
  afterEach(() => rm(scratch, { recursive: true, force: true }));

  it("has no upward import and no cycle in app/, tools/, infra/, scripts/ or bench/", async () => {
    const { violations, output } = await cruise("app", "tools", "infra", "scripts", "bench");
    expect(output).toContain("no dependency violations found");
    expect(violations).toBe(0);
  });

  it("fails when the domain imports a layer above it, or when two modules import each other", async () => {
    await mkdir(scratch, { recursive: true });
    await writeFile(
      join(scratch, "upward.ts"),
      'import type { Config } from "../../config/config.js";\nexport type Upward = Config;\n',
    );
    await writeFile(
      join(scratch, "ping.ts"),
      'import type { Pong } from "./pong.js";\nexport type Ping = { pong?: Pong };\n',
    );
    await writeFile(
      join(scratch, "pong.ts"),
      'import type { Ping } from "./ping.js";\nexport type Pong = { ping?: Ping };\n',
    );
    const { violations, output } = await cruise(relative(ROOT, scratch));
    expect(output).toContain(`layer-0-imports-upward: ${relative(ROOT, scratch)}/upward.ts → app/config/config.ts`);
    expect(output).toContain("no-cycles");
    expect(violations).toBeGreaterThanOrEqual(2);
  });
});

describe("the edge is one folder", () => {
  it("nothing outside app/http imports hono or the edge, except the entry points", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(APP)) {
      const path = relative(APP, file);
      if (path.startsWith("http/") || path === "server.ts") continue;
      for (const specifier of importsOf(await readFile(file, "utf8"))) {
        if (
          specifier === "hono" ||
          specifier.startsWith("hono/") ||
          specifier.startsWith("@hono/") ||
          specifier.includes("/http/")
        )
          offenders.push(`${path} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("keeps every file in app/ under 250 lines", async () => {
    const long: string[] = [];
    for (const file of await sourceFiles(APP)) {
      const lines = (await readFile(file, "utf8")).split("\n").length;
      if (lines > 250) long.push(`${relative(APP, file)}: ${lines}`);
    }
    expect(long).toEqual([]);
  });
});
