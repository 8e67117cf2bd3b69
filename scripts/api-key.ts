import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { API_KEY_ID, API_KEY_ID_RULE, sha256Hex, type ApiKeyEntry } from "../app/auth/api-key-authenticator.js";
import { isUuidV4 } from "../app/config.js";

const USAGE = `Usage: npm run api-key -- --tenant <uuid-v4> [--user <id>] [--account <id>] [--id <name>]

Makes a new API key for AUTH_MODE=api-key. Prints the key once (it is not stored anywhere) and the
entry to add to the API_KEYS JSON array, which holds only the key's sha256.

Options:
  --tenant <uuid-v4>  the tenant the key acts for (required)
  --user <id>         the user id requests run as (default: api-key:<id>)
  --account <id>      the account id requests run as (default: none)
  --id <name>         the key's id in logs and metrics (default: key-<random>)
  --help              this text

Exit codes: 0 printed, 64 usage error.`;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(64);
}

let values;
try {
  ({ values } = parseArgs({
    options: { tenant: { type: "string" }, user: { type: "string" }, account: { type: "string" }, id: { type: "string" }, help: { type: "boolean" } },
  }));
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.tenant === undefined || !isUuidV4(values.tenant)) usageError("--tenant must be a UUID v4.");
const id = values.id ?? `key-${randomBytes(4).toString("hex")}`;
if (!API_KEY_ID.test(id)) usageError(`--id must be ${API_KEY_ID_RULE}`);

const key = `bts_${randomBytes(32).toString("base64url")}`;
const entry: ApiKeyEntry = {
  id,
  sha256: sha256Hex(key),
  tenant_id: values.tenant.toLowerCase(),
  ...(values.user !== undefined && { user_id: values.user }),
  ...(values.account !== undefined && { account_id: values.account }),
};
console.log(`API key (shown once; give it to the client now): ${key}`);
console.log(`Entry for API_KEYS (add it to the JSON array): ${JSON.stringify(entry)}`);
