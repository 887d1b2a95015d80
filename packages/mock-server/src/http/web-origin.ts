/**
 * `value` as a web origin: `http(s)://host[:port]` and nothing else (no credentials, path, query or
 * fragment), normalised (`HTTP://Example.org:80/` is `http://example.org`); `undefined` when it is not one.
 * Options that name an origin read it here and word their own errors.
 */
export function webOrigin(value: unknown): string | undefined {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  )
    return undefined;
  return url.origin;
}
