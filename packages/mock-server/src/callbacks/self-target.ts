import { BlockList, isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * Addresses that always reach this machine: 127.0.0.0/8, 0.0.0.0/8 (Linux connects "0.0.0.0" to the local
 * host), ::1 and ::. BlockList also matches their IPv4-mapped IPv6 spellings (`[::ffff:127.0.0.1]`).
 */
const THIS_MACHINE = new BlockList();
THIS_MACHINE.addSubnet('127.0.0.0', 8, 'ipv4');
THIS_MACHINE.addSubnet('0.0.0.0', 8, 'ipv4');
THIS_MACHINE.addAddress('::1', 'ipv6');
THIS_MACHINE.addAddress('::', 'ipv6');

/**
 * A URL's host as one spelling: lower case, without IPv6 brackets and trailing dots. The WHATWG parser has
 * already turned the other IPv4 spellings (2130706433, 0x7f000001, 0177.0.0.1, 127.1) into dotted quads.
 */
export function canonicalHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.+$/, '');
}

function isThisMachine(host: string): boolean {
  const family = isIP(host);
  if (family !== 0) return THIS_MACHINE.check(host, family === 4 ? 'ipv4' : 'ipv6');
  // RFC 6761: `localhost` and every name under it are loopback (resolvers and browsers answer 127.0.0.1).
  return host === 'localhost' || host.endsWith('.localhost');
}

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The origins and ports a mock is reachable on, as far as it can know them. */
export function createSelfTargets() {
  /** `host:port` of origins that name the mock (its listen URL, publicUrl, what requests came in on). */
  const origins = new Set<string>();
  /** Ports the mock listens on, with the host names that reach it there besides loopback. */
  const listening = new Map<number, Set<string>>();

  const key = (url: URL) => `${canonicalHost(url.hostname)}:${effectivePort(url)}`;
  const originKey = (origin: string | undefined) => {
    try {
      return origin === undefined ? undefined : key(new URL(origin));
    } catch {
      // Not a URL (a garbled Host header): nothing can be called back on it either.
      return undefined;
    }
  };

  return {
    /** Remembers `origin` (e.g. `http://127.0.0.1:4010`) as one of the mock's own. */
    addOrigin(origin: string) {
      const known = originKey(origin);
      if (known) origins.add(known);
    },
    /** The HTTP door listens on `host:port`; a wildcard host makes every local interface address the mock. */
    addListener(host: string, port: number) {
      const names = new Set([canonicalHost(host), canonicalHost(hostname())]);
      if (isIP(host) !== 0 && /^(0\.0\.0\.0|::)$/.test(host)) {
        for (const addresses of Object.values(networkInterfaces()))
          for (const { address } of addresses ?? []) names.add(canonicalHost(address));
      }
      listening.set(port, names);
    },
    removeListener(port: number) {
      listening.delete(port);
    },
    /**
     * Why `url` would reach the mock itself, or undefined. Its controls (`/__mock/`) are refused on any host,
     * since a name the mock cannot know (a DNS alias, a proxy) may lead back to it or to another mock.
     */
    reason(url: URL, requestOrigin?: string): string | undefined {
      // `requestOrigin`: how the create reached the mock (the in-process door's made-up origins included).
      let path = url.pathname;
      try {
        path = decodeURIComponent(path);
      } catch {
        // Left encoded: the raw path is checked as it stands.
      }
      if (/^\/__mock(\/|$)/i.test(path))
        return `must not point at the mock's own routes under /__mock/ (got path ${JSON.stringify(url.pathname.slice(0, 100))})`;
      const target = key(url);
      const host = canonicalHost(url.hostname);
      const names = listening.get(effectivePort(url));
      if (
        origins.has(target) ||
        target === originKey(requestOrigin) ||
        (names && (isThisMachine(host) || names.has(host)))
      ) {
        return `points at this mock server itself (${url.host}); a callback must go to a receiver of your own`;
      }
      return undefined;
    },
  };
}

export type SelfTargets = ReturnType<typeof createSelfTargets>;
