// The codec a host's sessions share (see SharedSessionCodec): its reference hooks reach the session
// that is encoding or decoding at the moment.
import { Codec, type CodecOptions } from '../codec/codec.js';
import type { ServerSession, SessionHost } from './session.js';

/**
 * The codec of all the sessions of one host (with the same options): one set of reused buffers
 * instead of one per connection, which is most of what an idle connection would otherwise cost.
 * Encoding and decoding are synchronous and a session's hooks never reach another session's, so
 * the session a reference hook serves is always the one that set `current`.
 */
export class SharedSessionCodec {
  current: ServerSession | undefined;
  readonly codec: Codec;

  constructor(options: CodecOptions | undefined) {
    this.codec = new Codec(
      {
        toWire: (value) => this.current!.toWire(value),
        fromWire: (ref) => this.current!.fromWire(ref),
      },
      options,
    );
  }
}

const sharedCodecs = new WeakMap<SessionHost, Map<CodecOptions | undefined, SharedSessionCodec>>();

export function sharedCodecFor(host: SessionHost, options: CodecOptions | undefined): SharedSessionCodec {
  let byOptions = sharedCodecs.get(host);
  if (byOptions === undefined) sharedCodecs.set(host, (byOptions = new Map()));
  let shared = byOptions.get(options);
  if (shared === undefined) byOptions.set(options, (shared = new SharedSessionCodec(options)));
  return shared;
}
