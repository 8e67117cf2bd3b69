import { readFile, writeFile } from "node:fs/promises";
import { documentedVariables, renderEnvExample, renderEnvTable, withEnvTable } from "../tools/env-docs.js";
import { renderOptionTable, withOptionTable } from "../tools/option-docs.js";

/** Writes the README's variable and option tables and `.env.example` from the settings schemas and the providers. */
const README = new URL("../README.md", import.meta.url);
const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);

const variables = documentedVariables();
const readme = withEnvTable(await readFile(README, "utf8"), renderEnvTable(variables));
await writeFile(README, withOptionTable(readme, renderOptionTable()));
await writeFile(ENV_EXAMPLE, renderEnvExample(variables));
console.log(`wrote the README's table and .env.example: ${variables.length} variables`);
