/**
 * `fetch` for uploads of whole recordings. undici keeps every byte of a streamed request body so that it
 * could replay it on a redirect (nodejs/undici#4058), so memory grows with the file; refusing redirects
 * (the providers' APIs never redirect an upload) lets the body stream in constant memory.
 */
export const streamingFetch: typeof fetch = (input, init) => fetch(input, { ...init, redirect: "error" });
