// Who may read the dashboard. On loopback without a token: requests whose Host header names this
// machine (a web page elsewhere cannot rebind its own name to 127.0.0.1 and read the data). With a
// token (always, when bound to anything but loopback): requests carrying `?token=` equal to it,
// compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A fresh URL-safe token (32 random bytes). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export class Access {
  private readonly token: Buffer | undefined;

  constructor(token: string | undefined) {
    this.token = token === undefined ? undefined : Buffer.from(token);
  }

  /** True when `request` may be answered. */
  allows(request: IncomingMessage, url: URL): boolean {
    if (this.token !== undefined) {
      const given = Buffer.from(url.searchParams.get('token') ?? '');
      return given.length === this.token.length && timingSafeEqual(given, this.token);
    }
    return isLoopback(hostName(request.headers.host ?? ''));
  }
}

/** The name part of a Host header: `127.0.0.1:8080` → `127.0.0.1`, `[::1]:8080` → `::1`. */
function hostName(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed !== null) return bracketed[1];
  return header.replace(/:\d+$/, '').toLowerCase();
}
