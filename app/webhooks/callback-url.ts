import { BlockList, isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** The ports a callback may use unless private targets are allowed. */
export const CALLBACK_PORTS = ["443", "8443"] as const;
const MAX_CALLBACK_URL_CHARS = 2048;

/** The ranges (ipaddr.js names) a callback may reach: the public internet only. */
const PUBLIC_RANGE = "unicast";

/** IPv6 blocks read by Node's own parser: ipaddr.js reads `::1.2.3.4` (IPv4-compatible) as `::ffff:1.2.3.4`. */
function ipv6Block(prefix: string, bits: number): BlockList {
  const block = new BlockList();
  block.addSubnet(prefix, bits, "ipv6");
  return block;
}
/** IPv6's global unicast block, the only one handed out on the internet; ipaddr.js calls most of `::/8` "unicast". */
const GLOBAL_UNICAST_V6 = ipv6Block("2000::", 3);
/** IPv4 addresses written as IPv6 (`::ffff:127.0.0.1`). */
const IPV4_MAPPED = ipv6Block("::ffff:0:0", 96);

/** A callback URL the service will not call, and why (the client is told; nothing was sent). */
export class CallbackRefused extends Error {
  override readonly name = "CallbackRefused";
}

/**
 * Whether an address is on the public internet: not loopback, private, link-local, unique-local, multicast,
 * metadata, unspecified or reserved, nor IPv6 outside 2000::/3 (the IPv4-compatible `::127.0.0.1` among it).
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv4 address written as IPv6 is judged as the IPv4 address it is.
    if (IPV4_MAPPED.check(address, "ipv6"))
      return isPublicAddress(ipaddr.IPv6.parse(address).toIPv4Address().toString());
    if (!GLOBAL_UNICAST_V6.check(address, "ipv6")) return false;
  }
  return ipaddr.parse(address).range() === PUBLIC_RANGE;
}

/**
 * Checks a `callback_url` before anything is stored: `https` on 443 or 8443, no credentials, and a host that is
 * not an address or name off the public internet. The WHATWG parser has already read every spelling of an
 * address (`127.1`, `0x7f000001`, `[::ffff:127.0.0.1]`) as the address it is. A name is resolved only when
 * the callback is sent, and every address it resolves to is checked then (a DNS rebind is caught there).
 * `allowPrivate` (development, tests) lets `http`, any port and private targets through.
 */
export function checkCallbackUrl(text: string, allowPrivate: boolean): URL {
  if (text.length > MAX_CALLBACK_URL_CHARS)
    throw new CallbackRefused(`callback_url is at most ${MAX_CALLBACK_URL_CHARS} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CallbackRefused("callback_url is not an absolute URL.");
  }
  if (url.username !== "" || url.password !== "")
    throw new CallbackRefused("callback_url must not carry credentials; the callback is signed instead.");
  if (allowPrivate) {
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new CallbackRefused("callback_url must be http or https.");
    return url;
  }
  if (url.protocol !== "https:") throw new CallbackRefused("callback_url must be https.");
  const port = url.port === "" ? "443" : url.port;
  if (!(CALLBACK_PORTS as readonly string[]).includes(port))
    throw new CallbackRefused(`callback_url must use port ${CALLBACK_PORTS.join(" or ")}.`);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (ipaddr.isValid(host)) {
    if (!isPublicAddress(host)) throw new CallbackRefused("callback_url must be an address on the public internet.");
    return url;
  }
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || !name.includes("."))
    throw new CallbackRefused("callback_url must be a public host name.");
  return url;
}
