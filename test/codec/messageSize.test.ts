// CodecOptions.maxMessageSize: encode() refuses a message over the limit with LimitError as soon as
// its buffer would grow past it (a server encodes its replies with its maxFrameSize there).
import { expect } from 'chai';
import { Codec } from '../../lib/codec/codec.js';
import { LimitError, ValueError } from '../../lib/errors.js';
import { codecWith } from './helpers.js';

const MiB = 1024 * 1024;

describe('codec: maxMessageSize', () => {
  it('refuses a message over the limit with LimitError, and encodes one under it, in every form', () => {
    const codec = codecWith({ maxMessageSize: MiB });
    const tooLarge = [
      'x'.repeat(MiB),
      new Uint8Array(MiB),
      Array.from({ length: 1100 }, () => 'y'.repeat(1000)),
      new Map([['k', 'z'.repeat(MiB)]]), // inside an extension payload
      new Set([new Uint8Array(600 * 1024), new Uint8Array(600 * 1024)]),
    ];
    for (const value of tooLarge) {
      expect(() => codec.encode(value)).to.throw(LimitError, /more than 1048576 bytes/);
      // The codec stays usable.
      expect(codec.decode(codec.encode(['ok']))).to.deep.equal(['ok']);
    }
    expect(codec.encode('x'.repeat(MiB - 16)).length).to.be.below(MiB);
    expect(codec.encodeShared(new Uint8Array(MiB - 16)).length).to.be.below(MiB);
  });

  it('is unlimited by default, and refuses a bad value with ValueError', () => {
    expect(new Codec().encode('x'.repeat(3 * MiB)).length).to.be.above(3 * MiB);
    expect(() => new Codec(undefined, { maxMessageSize: -1 })).to.throw(ValueError, /maxMessageSize/);
  });
});
