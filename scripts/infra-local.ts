import { loadConfig } from "../app/config/config.js";
import { physicalNames } from "../infra/settings.js";
import { jobNames } from "../infra/job-settings.js";
import { awsClients } from "../tools/aws-clients.js";
import { runCommand } from "../tools/cli/command-line.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { CliFailure } from "../tools/cli/failures.js";
import { provisionLocalJobs } from "../tools/local-job-provisioner.js";
import { provisionLocalPipeline } from "../tools/local-provisioner.js";

await runCommand(
  {
    command: "npm run infra:local",
    summary:
      "Creates the stack's queues, policies, rule and target, and the async jobs' bucket, work queue and tables on a\n" +
      "local AWS emulator (moto_server), and prints the same outputs as the Pulumi stack. Idempotent. It refuses to\n" +
      "run without an emulator endpoint, so it never creates resources in a real account by accident.",
    options: {
      endpoint: { type: "string", value: "<url>", description: "the emulator's endpoint (else AWS_ENDPOINT_URL)" },
      prefix: {
        type: "string",
        value: "<name>",
        description: "name resources NAME-queue, NAME-dlq, NAME-uploads, … instead of the design's names",
      },
      json: { type: "boolean", description: "print the outputs as JSON (for --outputs of the other tools)" },
      "allow-real-aws": {
        type: "boolean",
        description: "run without an endpoint, against the AWS account of your credentials",
      },
    },
    environment: {
      AWS_ENDPOINT_URL: "the emulator's endpoint",
      AWS_REGION: "the region (default us-east-1)",
      "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY": "credentials (any value for the emulator)",
      "EVENTBRIDGE_BUS_NAME, EVENT_SOURCE": "the bus and the source the rule matches",
    },
    exitCodes: ["ok", "credentials", "usage", "unavailable", "software", "config"],
  },
  async (options) => {
    const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL;
    if (endpoint === undefined && !options["allow-real-aws"]) {
      throw new CliFailure(
        EXIT.config,
        "no emulator endpoint: set AWS_ENDPOINT_URL or pass --endpoint <url> (`npm run dev` starts one); --allow-real-aws creates the resources in your real AWS account instead",
      );
    }
    if (endpoint !== undefined && !URL.canParse(endpoint))
      throw new CliFailure(EXIT.usage, `--endpoint must be a URL, not ${JSON.stringify(endpoint)}`);
    // The SDK reads the endpoint from the environment, and failures name it from there.
    if (endpoint !== undefined) process.env.AWS_ENDPOINT_URL = endpoint;
    const { events, aws } = loadConfig(process.env);
    const clients = awsClients(aws.region);
    const naming = options.prefix === undefined ? "design" : { prefix: options.prefix };
    const log = options.json ? undefined : (line: string) => console.error(line);
    const outputs = {
      ...(await provisionLocalPipeline({
        ...clients,
        busName: events.busName,
        source: events.source,
        names: physicalNames(naming),
        log,
      })),
      ...(await provisionLocalJobs({ ...clients, names: jobNames(naming), log })),
    };
    if (options.json) console.log(JSON.stringify(outputs, null, 2));
    else for (const [key, value] of Object.entries(outputs)) console.log(`${key}: ${value ?? "(none locally)"}`);
  },
);
