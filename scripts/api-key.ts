import { API_KEY_ID, API_KEY_ID_RULE } from "../app/auth/api-key-authenticator.js";
import { makeApiKey } from "../tools/api-keys.js";
import { isUuidV4 } from "../app/domain/ids.js";
import { runCommand } from "../tools/cli/command-line.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { CliFailure } from "../tools/cli/failures.js";

await runCommand(
  {
    command: "npm run api-key",
    summary:
      "Makes a new API key for AUTH_MODE=api-key. Prints the key once (it is not stored anywhere) and the entry to\n" +
      "add to the API_KEYS JSON array, which holds only the key's sha256.",
    options: {
      tenant: { type: "string", value: "<uuid-v4>", description: "the tenant the key acts for (required)" },
      user: { type: "string", value: "<id>", description: "the user id requests run as (default: api-key:<id>)" },
      account: { type: "string", value: "<id>", description: "the account id requests run as (default: none)" },
      id: { type: "string", value: "<name>", description: "the key's id in logs and metrics (default: key-<random>)" },
    },
    exitCodes: ["ok", "usage"],
  },
  (options) => {
    if (options.tenant === undefined) throw new CliFailure(EXIT.usage, "--tenant is required: the tenant's UUID v4");
    if (!isUuidV4(options.tenant)) throw new CliFailure(EXIT.usage, "--tenant must be a UUID v4");
    if (options.id !== undefined && !API_KEY_ID.test(options.id))
      throw new CliFailure(EXIT.usage, `--id must be ${API_KEY_ID_RULE}`);
    const { key, entry } = makeApiKey(options.tenant, {
      id: options.id,
      userId: options.user,
      accountId: options.account,
    });
    console.log(`API key (shown once; give it to the client now): ${key}`);
    console.log(`Entry for API_KEYS (add it to the JSON array): ${JSON.stringify(entry)}`);
    return Promise.resolve(EXIT.ok);
  },
);
