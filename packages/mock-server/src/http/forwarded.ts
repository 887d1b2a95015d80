import type { MockRequest } from './mock-request.js';

/**
 * `name[:port]` or `[v6][:port]`: at most a DNS name's 253 characters plus a port, nothing that could end
 * the authority of a URL (`/`, `?`, `#`, `@`, `\`, spaces, quotes).
 */
const HOST = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const HOST_CHARS = 262;
/** Longer forwarding headers are ignored whole rather than parsed: real ones are a few dozen bytes. */
const HEADER_CHARS = 1024;
/** One `name=value` pair of a `Forwarded` element: a token, or a quoted string without escapes. */
const PAIR = /^\s*([A-Za-z][A-Za-z0-9-]*)=("[^"\\]*"|[!#$%&'*+.^_`|~0-9A-Za-z:[\]-]*)\s*/;

/**
 * The origin a client used to reach the mock through a proxy, from the request's `Forwarded` (RFC 7239)
 * or, without one, `X-Forwarded-Proto` / `X-Forwarded-Host` headers; `undefined` when none is usable.
 * Result URLs in that one answer are built on it, so a TLS-terminating proxy hands out `https://` links.
 *
 * The values are the client's to choose and change only its own answer, but they become part of URLs:
 * only `http`/`https` and a plain `host[:port]` are taken, a header over 1 KiB or malformed is ignored
 * whole, and of several hops (comma-separated) the first, the one the client itself reached, counts.
 * Nothing else reads these headers: the control plane's Host/Origin checks and the callback self-target
 * check keep using the real request.
 */
export function forwardedOrigin(request: Pick<MockRequest, 'header' | 'origin'>): string | undefined {
  const header = request.header('forwarded');
  let claim = header === null ? undefined : parseForwarded(header);
  // A `Forwarded` element that names neither (only `for=`, say) leaves the X-Forwarded-* headers to say it.
  if (claim === undefined) {
    const proto = request.header('x-forwarded-proto');
    const host = request.header('x-forwarded-host');
    if (proto === null && host === null) return undefined;
    claim = checkedClaim(
      proto === null ? undefined : (firstValue(proto) ?? ''),
      host === null ? undefined : (firstValue(host) ?? ''),
    );
  }
  if (claim === 'unusable') return undefined;
  const own = request.origin;
  return `${claim.proto ?? own.slice(0, own.indexOf(':'))}://${claim.host ?? own.slice(own.indexOf('://') + 3)}`;
}

type Claim = { proto?: string; host?: string } | 'unusable';

/**
 * A proxy's claim, checked: a value present but unusable (`proto=ftp`, `host="a/b"`, an empty or over-long
 * header) spoils the whole claim, since half of a proxy's claim is worse than the request's own origin.
 */
function checkedClaim(rawProto: string | undefined, rawHost: string | undefined): Claim {
  const proto = rawProto === undefined ? undefined : checkedProto(rawProto);
  const host = rawHost === undefined ? undefined : checkedHost(rawHost);
  if ((rawProto !== undefined && proto === undefined) || (rawHost !== undefined && host === undefined))
    return 'unusable';
  return { ...(proto && { proto }), ...(host && { host }) };
}

/** The first of a comma-separated list, or undefined when the header is missing, empty or too long. */
function firstValue(header: string | null): string | undefined {
  if (header === null || header.length > HEADER_CHARS) return undefined;
  const comma = header.indexOf(',');
  const value = (comma === -1 ? header : header.slice(0, comma)).trim();
  return value === '' ? undefined : value;
}

function checkedProto(value: string | undefined): string | undefined {
  const proto = value?.toLowerCase();
  return proto === 'http' || proto === 'https' ? proto : undefined;
}

function checkedHost(value: string | undefined): string | undefined {
  if (value === undefined || value.length > HOST_CHARS) return undefined;
  const match = HOST.exec(value);
  if (!match || (match[1] !== undefined && Number(match[1]) > 65535)) return undefined;
  return value.toLowerCase();
}

/**
 * The claim of the first element of a `Forwarded` header; `undefined` when that element names neither
 * `proto` nor `host`, `'unusable'` when the header is malformed (a repeated parameter, a value outside the
 * grammar, over 1 KiB). Unknown parameters are allowed, as RFC 7239 says.
 */
function parseForwarded(header: string): Claim | undefined {
  if (header.length > HEADER_CHARS) return 'unusable';
  const seen = new Map<string, string>();
  let rest = header;
  for (;;) {
    const pair = PAIR.exec(rest);
    if (!pair) return 'unusable';
    const name = (pair[1] as string).toLowerCase();
    const raw = pair[2] as string;
    if (seen.has(name)) return 'unusable';
    seen.set(name, raw.startsWith('"') ? raw.slice(1, -1) : raw);
    rest = rest.slice(pair[0].length);
    if (rest === '' || rest.startsWith(',')) break;
    if (!rest.startsWith(';')) return 'unusable';
    rest = rest.slice(1);
  }
  const proto = seen.get('proto');
  const host = seen.get('host');
  return proto === undefined && host === undefined ? undefined : checkedClaim(proto, host);
}
