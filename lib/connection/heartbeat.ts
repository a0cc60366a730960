// Detects a peer that stopped answering without closing its socket (a stopped process, a cut
// network): when nothing has arrived for a while the owner pings; when nothing has arrived for
// `heartbeatTimeout` seconds, the connection is destroyed with ConnectionClosedError.
// Costs nothing per frame: it only compares the socket's byte counter on each tick.
import createDebug from 'debug';
import { ConnectionClosedError, ValueError } from '../errors.js';
import type { Connection } from './connection.js';

const debug = createDebug('mpmanagers:connection');

/** Heartbeat settings, as both ServerOptions and ClientOptions/ManagerOptions declare them. */
export interface HeartbeatOptions {
  /**
   * Seconds of silence from the peer after which a Ping is sent (then again every interval while
   * the silence lasts). Default null: no heartbeat (a dead peer that never closes its socket is
   * then never detected). Any message from the peer counts as a sign of life.
   */
  heartbeatInterval?: number | null;
  /**
   * Seconds of total silence after which the peer is declared gone and the connection is
   * destroyed (ConnectionClosedError). Default 3 × heartbeatInterval; at least heartbeatInterval.
   * A dead peer is detected within heartbeatTimeout + 2 × heartbeatInterval.
   */
  heartbeatTimeout?: number | null;
}

export interface HeartbeatSettings {
  intervalMs: number;
  timeoutMs: number;
}

/** Validated settings, or undefined when the heartbeat is off. Throws ValueError for bad values. */
export function heartbeatSettings(options: HeartbeatOptions): HeartbeatSettings | undefined {
  const { heartbeatInterval = null, heartbeatTimeout = null } = options;
  if (heartbeatInterval === null) return undefined;
  if (!(heartbeatInterval > 0) || !Number.isFinite(heartbeatInterval)) {
    throw new ValueError(`heartbeatInterval must be a number of seconds > 0 or null, not ${heartbeatInterval}`);
  }
  const timeout = heartbeatTimeout ?? 3 * heartbeatInterval;
  if (!(timeout >= heartbeatInterval) || !Number.isFinite(timeout)) {
    throw new ValueError(`heartbeatTimeout must be a number of seconds >= heartbeatInterval (${heartbeatInterval}), not ${timeout}`);
  }
  return { intervalMs: heartbeatInterval * 1000, timeoutMs: timeout * 1000 };
}

export class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private lastTick = performance.now();
  private lastHeard = this.lastTick;
  private lastBytesRead: number;

  /** Starts watching `connection`; `sendPing` sends one Ping message to the peer. */
  constructor(
    private readonly connection: Connection,
    private readonly settings: HeartbeatSettings,
    private readonly sendPing: () => void,
  ) {
    this.lastBytesRead = connection.socket.bytesRead;
    this.timer = setInterval(() => this.tick(), settings.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.connection.closed) return this.stop();
    const now = performance.now();
    const late = now - this.lastTick > 2 * this.settings.intervalMs;
    this.lastTick = now;
    const bytesRead = this.connection.socket.bytesRead;
    // A late tick means our own event loop was blocked: the peer's bytes may be waiting unread, so
    // the silence proves nothing. Start counting again.
    if (bytesRead !== this.lastBytesRead || late) {
      this.lastBytesRead = bytesRead;
      this.lastHeard = now;
      return;
    }
    const silentMs = now - this.lastHeard;
    if (silentMs >= this.settings.timeoutMs) {
      this.stop();
      const seconds = Math.round(silentMs) / 1000;
      debug('%s: silent for %d s; declaring it gone', this.connection.remoteLabel, seconds);
      this.connection.destroy(
        new ConnectionClosedError(`${this.connection.remoteLabel} sent nothing for ${seconds} s (heartbeat timeout)`),
      );
      return;
    }
    try {
      this.sendPing();
    } catch (error) {
      debug('%s: ping failed: %O', this.connection.remoteLabel, error);
    }
  }
}
