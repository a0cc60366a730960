// Property-based tests (fast-check) of the frame parser: however a valid stream is cut into
// chunks, the same frames come out; whatever bytes arrive, the only error is ProtocolError, and an
// oversized or negative length is refused from its 4 header bytes alone.
import { expect } from 'chai';
import fc from 'fast-check';
import { FrameParser, frameHeader, FRAME_HEADER_SIZE } from '../../lib/connection/framing.js';
import { ProtocolError } from '../../lib/errors.js';
import { cutInto } from './helpers.js';

const RUNS = 300;

describe('reliability: framing properties', () => {
  it('any chunking of a valid stream yields the same frames, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 40 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.flatMap((p) => [frameHeader(p.length), p]));
        const frames: Buffer[] = [];
        const parser = new FrameParser(1024);
        for (const chunk of cutInto(stream, cuts)) parser.push(chunk, (frame) => frames.push(Buffer.from(frame)));
        expect(frames.map((f) => f.toString('hex'))).to.deep.equal(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(parser.buffered).to.equal(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('with transientChunks, frames come out intact through one reused buffer: owned ones stay intact after it is overwritten', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 40 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.flatMap((p) => [frameHeader(p.length), p]));
        const reused = Buffer.alloc(stream.length + 1);
        const seen: string[] = [];
        const kept = new Map<number, Buffer>();
        const parser = new FrameParser(1024, { transientChunks: true });
        for (const chunk of cutInto(stream, cuts)) {
          chunk.copy(reused);
          parser.push(reused.subarray(0, chunk.length), (frame, owned) => {
            if (owned) kept.set(seen.length, frame); // its own buffer: kept as it is
            seen.push(frame.toString('hex'));
          });
          reused.fill(0xee); // what the next read does to views into it
        }
        const expected = payloads.map((p) => Buffer.from(p).toString('hex'));
        expect(seen).to.deep.equal(expected);
        for (const [index, frame] of kept) expect(frame.toString('hex')).to.equal(expected[index]);
        expect(parser.buffered).to.equal(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes, however chunked, never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 20 }), fc.nat(4096), (bytes, cuts, maxFrameSize) => {
        const parser = new FrameParser(maxFrameSize);
        try {
          for (const chunk of cutInto(Buffer.from(bytes), cuts)) {
            parser.push(chunk, (frame) => expect(frame.length).to.be.at.most(maxFrameSize));
          }
        } catch (error) {
          expect(error).to.be.instanceOf(ProtocolError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a length over the limit, or negative, is refused from the header alone, whatever follows', () => {
    fc.assert(
      fc.property(
        fc.nat(1 << 20),
        fc.oneof(fc.integer({ min: -(2 ** 31), max: -1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
        fc.uint8Array({ maxLength: 64 }),
        (maxFrameSize, length, tail) => {
          fc.pre(length < 0 || length > maxFrameSize);
          const header = Buffer.alloc(FRAME_HEADER_SIZE);
          header.writeInt32BE(length);
          const parser = new FrameParser(maxFrameSize);
          expect(() => parser.push(Buffer.concat([header, tail]), () => expect.fail('no frame'))).to.throw(ProtocolError);
          // Nothing of the body was kept.
          expect(parser.buffered).to.be.at.most(FRAME_HEADER_SIZE);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
