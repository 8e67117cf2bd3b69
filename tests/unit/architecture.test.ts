import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const APP = fileURLToPath(new URL("../../app/", import.meta.url));

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : Promise.resolve(entry.name.endsWith(".ts") ? [join(directory, entry.name)] : []))),
  );
  return nested.flat();
}

const importsOf = (source: string) => [...source.matchAll(/^\s*(?:import|export)[^"']*["']([^"']+)["']/gm)].map((match) => match[1]!);

describe("the edge is one folder", () => {
  it("nothing outside app/http imports hono or the edge, except the composition root", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(APP)) {
      const path = relative(APP, file);
      if (path.startsWith("http/") || path === "server.ts") continue;
      for (const specifier of importsOf(await readFile(file, "utf8"))) {
        if (specifier === "hono" || specifier.startsWith("hono/") || specifier.startsWith("@hono/") || specifier.includes("/http/")) offenders.push(`${path} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
