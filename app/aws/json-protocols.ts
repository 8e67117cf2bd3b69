import { AwsJson1_0Protocol, AwsJson1_1Protocol } from "@aws-sdk/core/protocols";
import { JsonCodec } from "@smithy/core/protocols";

type ProtocolSettings = ConstructorParameters<typeof AwsJson1_0Protocol>[0];

/**
 * The SDK's `JsonCodec`, which writes a request with `JSON.stringify`, with the settings the AWS JSON
 * protocols give their default `JsonCodec2`; that one escapes every string a character at a time into a
 * buffer it grows by doubling. Measured on a PutEvents call with a 108 KB `Detail`: 0.55 ms of CPU less
 * (2.0 to 1.45 ms), the same bytes on the wire.
 */
const stringifyCodec = () => new JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false });

/** `awsJson1_0` (DynamoDB, SQS) as the client configures it, written with `JSON.stringify`. */
export class StringifyJson1_0Protocol extends AwsJson1_0Protocol {
  constructor(settings: ProtocolSettings) {
    super({ ...settings, jsonCodec: stringifyCodec() });
  }
}

/** `awsJson1_1` (EventBridge) as the client configures it, written with `JSON.stringify`. */
export class StringifyJson1_1Protocol extends AwsJson1_1Protocol {
  constructor(settings: ProtocolSettings) {
    super({ ...settings, jsonCodec: stringifyCodec() });
  }
}
