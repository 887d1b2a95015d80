/**
 * The two URLs the page does not choose itself: result URLs (from the API's answers) and the API origin
 * (from the page's own `?api=` parameter, which anyone can put in a link). Both are checked here.
 */

/**
 * A result URL as the page may use it in `src` and `href`: absolute `http:`/`https:` only. A hostile
 * answer's `javascript:` link would run in the page when clicked, and `data:`/`blob:`/`vbscript:` URLs are
 * no result file either. Returns the parsed URL's text, or undefined for anything else.
 */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    // No base: a relative URL is no result file, and must not resolve against the page.
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

/** Names and addresses that are the machine the browser runs on. */
function isLoopback(hostname: string): boolean {
  // URL has already normalised the host: IPv4 in dotted decimal, IPv6 in brackets, names in lower case.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export type ApiChoice = { baseUrl: string; refused?: undefined } | { baseUrl: string; refused: string };

/**
 * The API the page talks to. `?api=` may point it at another port of the page's own host or at loopback
 * (a mock on the developer's machine), over http(s); anything else would let a link send the page's
 * signed tokens, and what the user types, to a stranger, so it is refused with the reason and the
 * default is used.
 */
export function chooseApi(param: string | null, pageHostname: string, fallback: string): ApiChoice {
  if (param === null) return { baseUrl: fallback };
  const url = httpUrl(param);
  if (!url) return { baseUrl: fallback, refused: 'it is not an absolute http(s) URL' };
  const { hostname, username, password } = new URL(url);
  if (username || password) return { baseUrl: fallback, refused: 'it carries a user name or password' };
  if (hostname !== pageHostname.toLowerCase() && !isLoopback(hostname))
    return { baseUrl: fallback, refused: `${hostname} is neither this page's host nor loopback` };
  return { baseUrl: url.replace(/\/$/, '') };
}
