// Options of both ends of a connection, with their defaults, and their validation.
import type tls from 'node:tls';
import { ValueError } from '../errors.js';
import { DEFAULT_MAX_FRAME_SIZE, MAX_PAYLOAD_SIZE } from './framing.js';

/** Settings shared by the connecting and the accepting side. */
export interface ConnectionOptions {
  /**
   * The shared secret both sides prove they know (HMAC key). A string is UTF-8 encoded. Required;
   * an empty key is allowed and still runs the handshake (as CPython's manager does).
   */
  authkey: string | Uint8Array;
  /**
   * Seconds allowed to connect and complete the handshake; a peer that has not finished by then is
   * dropped. Default 5. `null` = no limit.
   */
  handshakeTimeout?: number | null;
  /**
   * Largest frame accepted from the peer once authenticated, in bytes; a larger one closes the
   * connection with ProtocolError. Default DEFAULT_MAX_FRAME_SIZE (64 MiB). Before authentication
   * the limit is always HANDSHAKE_MAX_FRAME_SIZE (256 bytes).
   */
  maxFrameSize?: number;
  /** Accept and answer legacy HMAC-MD5 (Python <= 3.11 peers). Default false: HMAC-SHA256 only. */
  allowLegacyMd5?: boolean;
}

/** Options of `Connection.connect`. */
export interface ConnectOptions extends ConnectionOptions {
  /**
   * Connect over TLS with these options of Node's `tls.connect` (`ca` to trust a private CA; `cert`
   * + `key` for mutual TLS; `servername`, `rejectUnauthorized`...); the host and port (or path)
   * come from the address. The TLS handshake counts against `handshakeTimeout`, and the HMAC
   * handshake still runs inside TLS. Default undefined: plain TCP or Unix socket.
   */
  tls?: tls.ConnectionOptions;
}

/** Options of `Listener.listen`. */
export interface ListenOptions extends ConnectionOptions {
  /** Length of the kernel's queue of not-yet-accepted connections. Default 128. */
  backlog?: number;
  /**
   * Serve TLS with these options of Node's `tls.createServer` (`key` + `cert`; for mutual TLS add
   * `ca`, `requestCert: true` and keep `rejectUnauthorized` true). A peer has `handshakeTimeout`
   * for the TLS handshake, then again for the HMAC handshake, which still runs inside TLS.
   * Default undefined: no TLS. (TLS-PSK is not offered: certificates only.)
   */
  tls?: Omit<tls.TlsOptions, 'pskCallback'>;
}

export const DEFAULT_HANDSHAKE_TIMEOUT = 5;
export const DEFAULT_BACKLOG = 128;

/** ConnectionOptions with defaults applied and the key as bytes. */
export interface ConnectionSettings {
  authkey: Buffer;
  /** Milliseconds, or null for no limit. */
  handshakeTimeoutMs: number | null;
  maxFrameSize: number;
  allowLegacyMd5: boolean;
}

export function connectionSettings(options: ConnectionOptions): ConnectionSettings {
  const { authkey, handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT, maxFrameSize = DEFAULT_MAX_FRAME_SIZE } = options;
  if (typeof authkey !== 'string' && !(authkey instanceof Uint8Array)) {
    throw new ValueError('authkey must be a string or a Uint8Array');
  }
  if (handshakeTimeout !== null && !(handshakeTimeout >= 0)) {
    throw new ValueError(`handshakeTimeout must be a number of seconds >= 0 or null, not ${handshakeTimeout}`);
  }
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > MAX_PAYLOAD_SIZE) {
    throw new ValueError(`maxFrameSize must be an integer from 0 to ${MAX_PAYLOAD_SIZE}, not ${maxFrameSize}`);
  }
  return {
    authkey: typeof authkey === 'string' ? Buffer.from(authkey, 'utf8') : Buffer.from(authkey),
    handshakeTimeoutMs: handshakeTimeout === null ? null : handshakeTimeout * 1000,
    maxFrameSize,
    allowLegacyMd5: options.allowLegacyMd5 ?? false,
  };
}

export function listenBacklog(options: ListenOptions): number {
  const { backlog = DEFAULT_BACKLOG } = options;
  if (!Number.isInteger(backlog) || backlog < 0) {
    throw new ValueError(`backlog must be an integer >= 0, not ${backlog}`);
  }
  return backlog;
}
