// A message encoded as parts to be written one after another (scatter/gather): the bytes the encoder
// wrote, with large Uint8Arrays left where they are instead of copied in (see Codec.encodeForSend).

export class GatheredMessage {
  /** Bytes of the whole message. */
  readonly length: number;

  /**
   * `parts` concatenated are the message; none may be modified until it has been written (the
   * large ones are the caller's or the stored values' own bytes).
   */
  constructor(readonly parts: readonly Uint8Array[]) {
    let length = 0;
    for (const part of parts) length += part.length;
    this.length = length;
  }

  /** The message in one buffer (a copy): for tests and for writers that cannot gather. */
  concat(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

/** What a connection sends: one buffer, or parts written one after another. */
export type OutboundMessage = Uint8Array | GatheredMessage;
