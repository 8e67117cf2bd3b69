import { readFile, writeFile } from "node:fs/promises";
import { documentedVariables, renderEnvExample, renderEnvTable, withEnvTable } from "../tools/env-docs.js";

/** Writes the README's variable table and `.env.example` from the settings schemas. */
const README = new URL("../README.md", import.meta.url);
const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);

const variables = documentedVariables();
await writeFile(README, withEnvTable(await readFile(README, "utf8"), renderEnvTable(variables)));
await writeFile(ENV_EXAMPLE, renderEnvExample(variables));
console.log(`wrote the README's table and .env.example: ${variables.length} variables`);
