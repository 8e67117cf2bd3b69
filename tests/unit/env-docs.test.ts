import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { documentedVariables, renderEnvExample, renderEnvTable, TABLE_END, TABLE_START } from "../../tools/env-docs.js";
import { OPTION_TABLE_END, OPTION_TABLE_START, renderOptionTable } from "../../tools/option-docs.js";

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), "utf8");

describe("the variable docs are generated from the settings schemas", () => {
  it("the README's table is what the schemas say (run `npm run env-docs` after changing one)", async () => {
    const readme = await read("README.md");
    const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END) + TABLE_END.length);
    expect(table).toBe(renderEnvTable(documentedVariables()));
  });

  it("the README's option table is what each provider's rules say", async () => {
    const readme = await read("README.md");
    const table = readme.slice(
      readme.indexOf(OPTION_TABLE_START),
      readme.indexOf(OPTION_TABLE_END) + OPTION_TABLE_END.length,
    );
    expect(table).toBe(renderOptionTable());
    expect(table).toContain("| `redact` | yes | no (422) |");
  });

  it(".env.example is what the schemas say", async () => {
    expect(await read(".env.example")).toBe(renderEnvExample(documentedVariables()));
  });

  it("documents every variable once, each with a meaning, NODE_ENV and OPENAI_TRANSCRIPTION_FORMAT included", () => {
    const variables = documentedVariables();
    const names = variables.map((variable) => variable.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(["NODE_ENV", "OPENAI_TRANSCRIPTION_FORMAT", "AUTH_MODE", "EVENT_SOURCE"]),
    );
    expect(variables.filter((variable) => variable.meaning.trim() === "").map((variable) => variable.name)).toEqual([]);
  });

  it("never writes a secret's value into .env.example", () => {
    const secrets = documentedVariables().filter((variable) => /KEY|TOKEN|SECRET/.test(variable.name));
    expect(secrets.length).toBeGreaterThan(3);
    for (const secret of secrets) expect(secret.exampleValue).toBe("");
  });

  it("uses seconds for every duration but the three named in the README", async () => {
    const durations = documentedVariables()
      .map((variable) => variable.name)
      .filter((name) => /_(MS|S|SECONDS|MINUTES|DAYS)$/.test(name) && !name.endsWith("_S"));
    expect(durations.sort()).toEqual([
      "EVENT_ATTEMPT_TIMEOUT_MS",
      "EVENT_PUBLISH_TIMEOUT_MS",
      "JOB_RETENTION_DAYS",
      "SHUTDOWN_GRACE_MS",
    ]);
    const readme = await read("README.md");
    for (const name of durations) expect(readme).toContain(`\`${name}\` is in`);
  });
});
