import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { webOrigin } from '../http/web-origin.js';

/** The header that carries the control token (not `Authorization`, which the API uses). */
export const CONTROL_TOKEN_HEADER = 'x-kling-mock-token';
/** Where the CLIs read a control token from when `--control-token` is not given (argv is visible in `ps`). */
export const CONTROL_TOKEN_ENV = 'KLING_MOCK_CONTROL_TOKEN';
const TOKEN_FORM = /^[\x21-\x7e]{16,1024}$/;

export interface ControlAccessOptions {
  /**
   * A secret every control request must send in the `x-kling-mock-token` header: 16 to 1,024 visible ASCII
   * characters (e.g. `openssl rand -hex 16`). Without one, the HTTP controls answer only while the mock
   * is reachable from this machine alone (it listens on a loopback address).
   */
  controlToken?: string | undefined;
  /**
   * Origins of web pages allowed to use the controls (e.g. `http://localhost:5173`); they get CORS answers
   * naming exactly their origin. Every other page is refused.
   */
  controlOrigins?: string[] | undefined;
  /**
   * Host names (`name` for any port, `name:port` for one) the HTTP controls accept in the `Host` header
   * besides loopback names and the listen host, e.g. a name a proxy forwards. A name that is not a
   * loopback name makes the controls need a token.
   */
  controlHosts?: string[] | undefined;
  /** The mock's `publicUrl`: its origin counts as the mock's own, its host as one it serves. */
  publicUrl?: string | undefined;
}

/** Whether the HTTP controls answer, and the line the CLIs print about them at start-up. */
export interface ControlStatus {
  enabled: boolean;
  tokenRequired: boolean;
  message: string;
}

/** Which door a request came through: the HTTP listener, or `mock.fetch` in the same process. */
export type Door = 'http' | 'in-process';

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1 (bracketed or not): names only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return mapped ? (mapped[1] as string).startsWith('127.') : /^(0{0,4}:){2,7}0{0,3}1$/.test(name);
  }
  return false;
}

/**
 * Why the HTTP controls must stay off, or `undefined` when they may answer: without a token they answer only
 * when nothing but this machine can reach them, i.e. the mock listens on a loopback address and every name
 * it accepts for them (publicUrl, control hosts) is a loopback name.
 */
export function controlsOffReason(
  listenHost: string | undefined,
  options: ControlAccessOptions,
): string | undefined {
  if (options.controlToken !== undefined) return undefined;
  const reasons: string[] = [];
  if (listenHost !== undefined && !isLoopbackHost(listenHost))
    reasons.push(`the mock listens on ${listenHost}, which is not a loopback address`);
  if (options.publicUrl !== undefined) {
    const { hostname } = checkedPublicUrl(options.publicUrl);
    if (!isLoopbackHost(hostname)) reasons.push(`publicUrl names ${hostname}, which is not a loopback name`);
  }
  for (const host of options.controlHosts ?? []) {
    if (!isLoopbackHost(parseHost(host)?.name ?? host))
      reasons.push(`control host ${host} is not a loopback name`);
  }
  if (reasons.length === 0) return undefined;
  return `Mock controls are disabled: ${reasons.join('; ')}, and no control token is set. To use /__mock/ from elsewhere, set one (kling-mock --control-token, the ${CONTROL_TOKEN_ENV} environment variable, or the controlToken option) and send it in the ${CONTROL_TOKEN_HEADER} header.`;
}

/**
 * Who may use the controls under `/__mock/` (not the result images, which are public). Over HTTP the `Host`
 * header must be a name the mock serves (against DNS rebinding); on both doors a request from a web page
 * (an `Origin` header, or `Sec-Fetch-Site` naming another site) must come from the mock's own origin or an
 * allowed one, and the control token must match when one is set. Every refusal says why.
 */
export function createControlAccess(options: ControlAccessOptions) {
  const token = options.controlToken;
  if (token !== undefined && !TOKEN_FORM.test(token))
    throw new RangeError('The control token must be 16 to 1024 visible ASCII characters (no spaces)');
  const tokenDigest = token === undefined ? undefined : digest(token);
  const allowedOrigins = new Set((options.controlOrigins ?? []).map(checkedOrigin));
  const controlHosts = (options.controlHosts ?? []).map((host) => {
    const parsed = parseHost(host);
    if (!parsed || host.includes('/'))
      throw new RangeError(`controlHosts takes host names (name or name:port); got ${JSON.stringify(host)}`);
    return parsed;
  });
  const publicUrl = options.publicUrl === undefined ? undefined : checkedPublicUrl(options.publicUrl);
  let listening: { hostname: string; port: number } | undefined;
  let offReason: string | undefined;

  /** The host names (and port) the HTTP door answers controls for, for messages. */
  const servedNames = () =>
    [
      'localhost',
      '127.0.0.1',
      '[::1]',
      listening?.hostname,
      publicUrl?.host,
      ...(options.controlHosts ?? []),
    ].filter((name, index, all) => name && all.indexOf(name) === index);

  const hostServed = (host: { name: string; port: number | undefined }, raw: string): boolean => {
    if (!listening) return false;
    const port = host.port ?? 80;
    if (port === listening.port && (isLoopbackHost(host.name) || host.name === listening.hostname))
      return true;
    if (publicUrl && raw.toLowerCase() === publicUrl.host) return true;
    return controlHosts.some(
      (allowed) => allowed.name === host.name && (allowed.port === undefined || allowed.port === host.port),
    );
  };

  return {
    /** The HTTP door is listening at `url` (as `listen` resolved). */
    listening(url: string, listenHost: string) {
      const { hostname, port } = new URL(url);
      listening = { hostname, port: Number(port) || 80 };
      offReason = controlsOffReason(listenHost, options);
    },
    closed() {
      listening = undefined;
      offReason = undefined;
    },
    status(): ControlStatus {
      if (offReason) return { enabled: false, tokenRequired: true, message: offReason };
      return {
        enabled: true,
        tokenRequired: token !== undefined,
        message:
          token === undefined
            ? 'Mock controls: /__mock/ answers this machine only (no control token set); web pages on other origins are refused.'
            : `Mock controls: /__mock/ needs the control token in the ${CONTROL_TOKEN_HEADER} header.`,
      };
    },
    /**
     * A refusal for `request`, or the headers its answer carries: a CORS answer naming the origin for pages
     * on an allowed origin, nothing for everyone else (so no other page can read an answer).
     */
    check(request: MockRequest, door: Door): { refusal: Refusal } | { headers: Record<string, string> } {
      if (door === 'http' && offReason) return { refusal: refuse(403, offReason) };
      let ownOrigin: string;
      if (door === 'http') {
        const raw = request.header('host') ?? '';
        const host = parseHost(raw);
        if (!host || !hostServed(host, raw)) {
          return {
            refusal: refuse(
              403,
              `Mock controls refused: Host ${JSON.stringify(raw.slice(0, 100))} is not a name this mock serves (${servedNames().join(', ')}, on port ${listening?.port}); a page reaching the mock under another name is refused against DNS rebinding. Allow a name with --control-host or the controlHosts option.`,
            ),
          };
        }
        ownOrigin = `http://${host.name}${host.port === undefined || host.port === 80 ? '' : `:${host.port}`}`;
      } else {
        ownOrigin = request.origin;
      }
      const origin = request.header('origin');
      const site = request.header('sec-fetch-site');
      const fromOtherSite = site === 'cross-site' || site === 'same-site';
      let headers: Record<string, string> = {};
      if (origin !== null && allowedOrigins.has(origin)) {
        headers = { 'access-control-allow-origin': origin, vary: 'origin' };
      } else if (origin !== null && origin !== ownOrigin && origin !== publicUrl?.origin) {
        return {
          refusal: refuse(
            403,
            `Mock controls refused: requests from web pages on ${JSON.stringify(origin.slice(0, 100))} are not allowed (only the mock's own origin ${ownOrigin}${allowedOrigins.size ? ` and ${[...allowedOrigins].join(', ')}` : ''}). Allow an origin with --control-origin or the controlOrigins option.`,
          ),
        };
      } else if (fromOtherSite) {
        return {
          refusal: refuse(
            403,
            `Mock controls refused: the request came from a page on another site (Sec-Fetch-Site: ${site}).`,
          ),
        };
      }
      if (request.method === 'OPTIONS') return { headers };
      if (tokenDigest) {
        const sent = request.header(CONTROL_TOKEN_HEADER);
        if (sent === null)
          return {
            refusal: refuse(
              401,
              `Mock controls need the control token in the ${CONTROL_TOKEN_HEADER} header.`,
              headers,
            ),
          };
        if (!timingSafeEqual(digest(sent), tokenDigest))
          return {
            refusal: refuse(
              401,
              `Mock controls refused: the ${CONTROL_TOKEN_HEADER} header does not match the control token.`,
              headers,
            ),
          };
      }
      return { headers };
    },
  };
}

export type ControlAccess = ReturnType<typeof createControlAccess>;

/** `name` and `port` of a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`), name in lower case. */
function parseHost(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:/@[\]]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  return {
    name: (match[1] as string).toLowerCase(),
    port: match[2] === undefined ? undefined : Number(match[2]),
  };
}

function checkedOrigin(origin: string): string {
  const checked = webOrigin(origin);
  if (checked) return checked;
  throw new RangeError(
    `controlOrigins takes web origins like http://localhost:5173 (scheme, host, port; no path); got ${JSON.stringify(origin)}`,
  );
}

/**
 * `publicUrl` parsed. Result URLs are `publicUrl` + `/__mock/images/...`, so it may carry a path prefix but
 * nothing that would end up in the middle of them: no user name, password, query or fragment.
 */
export function checkedPublicUrl(publicUrl: string): URL {
  const url = typeof publicUrl === 'string' && URL.canParse(publicUrl) ? new URL(publicUrl) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash)
    throw new RangeError(
      `publicUrl must be an http(s) URL with no user name, password, query or fragment (a path prefix is fine); got ${JSON.stringify(String(publicUrl).slice(0, 200))}`,
    );
  return url;
}

/** Hashing first makes both sides the same length, so the comparison takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A control's refusal, and its reason for the API's answers to a refused `X-Kling-Mock` header. */
export type Refusal = MockResponse & { reason: string };

function refuse(status: number, error: string, headers: Record<string, string> = {}): Refusal {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error }),
    reason: error,
  };
}
