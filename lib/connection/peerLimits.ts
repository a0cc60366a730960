// What each side of a connection tells the other right after the handshake (docs/protocol.md
// §3.1): the largest message it accepts, and the version of the chunk format it reassembles.
import type { Connection } from './connection.js';

/** The chunk format this side reads and writes (docs/protocol.md §1.1); 0 = none. */
export const CHUNKS_VERSION = 1;

export interface PeerLimits {
  /** Largest message (whole frame, or total of a chunked one) the side accepts, in bytes. */
  maxFrameSize: number;
  /** Version of the chunk format the side reassembles; 0 or absent: it takes whole frames only. */
  chunks: number;
}

/** What `connection`'s side says about itself; having said it, the side reads chunk frames from then on. */
export function ourLimits(connection: Connection): PeerLimits {
  connection.readChunkFrames();
  return { maxFrameSize: connection.maxFrameSize, chunks: CHUNKS_VERSION };
}

/**
 * The limits a peer sent, or undefined when `value` is not a limits object (an older peer's null,
 * or garbage). Unknown fields are ignored: later versions may add some.
 */
export function parsePeerLimits(value: unknown): PeerLimits | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { maxFrameSize, chunks } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(maxFrameSize) || (maxFrameSize as number) < 0) return undefined;
  const version = chunks === undefined ? 0 : chunks;
  if (!Number.isSafeInteger(version) || (version as number) < 0) return undefined;
  return { maxFrameSize: maxFrameSize as number, chunks: version as number };
}
