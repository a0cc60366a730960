// Property-based tests (fast-check) of the chunk reassembler (docs/protocol.md §1.1), behind the
// frame parser as Connection uses them: whatever the chunk sizes, whatever whole messages come
// between the chunks, however the stream is cut into reads, the same messages come out in the order
// their last byte arrives; whatever bytes arrive, the only error is ProtocolError; a total over the
// limit is refused from the first chunk's prefix, before anything is allocated.
import { expect } from 'chai';
import fc from 'fast-check';
import { FrameParser, frameHeader } from '../../lib/connection/framing.js';
import {
  ChunkAssembler,
  CHUNK_FIRST,
  CHUNK_MARKER,
  CHUNK_NEXT,
  chunkFramePrefix,
  isChunkFrame,
} from '../../lib/connection/chunks.js';
import { ProtocolError } from '../../lib/errors.js';
import { cutInto } from './helpers.js';

const RUNS = 300;
const LIMIT = 4096;

/** A whole message: any bytes but a chunk marker first. */
const wholeMessage = fc.uint8Array({ maxLength: 300 }).map((bytes) => {
  if (bytes.length > 0 && bytes[0] === CHUNK_MARKER) bytes[0] = 0x90;
  return bytes;
});
/** A message sent in chunks, and where it is cut (offsets, modulo its length). */
const chunkedMessage = fc.record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 2000 }), cuts: fc.array(fc.nat(), { maxLength: 12 }) });
const op = fc.oneof(
  fc.record({ whole: wholeMessage }),
  fc.record({ chunked: chunkedMessage }),
);

interface Stream {
  frames: Buffer[];
  /** The messages in the order the receiver must hand them out (when their last byte arrives). */
  expected: string[];
}

/**
 * Lays the ops out as a sender would: each whole message as it comes, and after each, the next
 * chunk of the chunked message in progress; a new chunked message only once the last one is done.
 */
function layOut(ops: ({ whole: Uint8Array } | { chunked: { bytes: Uint8Array; cuts: number[] } })[]): Stream {
  const frames: Buffer[] = [];
  const expected: string[] = [];
  let open: { pieces: Buffer[]; total: number; hex: string; first: boolean } | undefined;
  const nextChunk = (): void => {
    if (open === undefined) return;
    const piece = open.pieces.shift()!;
    frames.push(chunkFramePrefix(open.first, open.total, piece.length), piece);
    open.first = false;
    if (open.pieces.length === 0) {
      expected.push(open.hex);
      open = undefined;
    }
  };
  for (const o of ops) {
    if ('whole' in o) {
      frames.push(frameHeader(o.whole.length), Buffer.from(o.whole));
      expected.push(Buffer.from(o.whole).toString('hex'));
      nextChunk();
    } else {
      while (open !== undefined) nextChunk();
      const bytes = Buffer.from(o.chunked.bytes);
      open = { pieces: cutInto(bytes, o.chunked.cuts), total: bytes.length, hex: bytes.toString('hex'), first: true };
      nextChunk();
    }
  }
  while (open !== undefined) nextChunk();
  return { frames, expected };
}

/**
 * What a Connection hands out for `stream` read in `reads`, through the parser and the assembler:
 * chunk frames of `streamedMin` bytes or more streamed piece by piece into the assembler (as
 * Connection does with STREAMED_CHUNK_MIN), smaller ones taken whole.
 */
function receive(reads: Buffer[], transient: boolean, streamedMin: number): string[] {
  const parser = new FrameParser(LIMIT, { transientChunks: transient });
  const assembler = new ChunkAssembler(LIMIT);
  const out: string[] = [];
  parser.stream = {
    takes: (firstByte, length) => firstByte === CHUNK_MARKER && length >= streamedMin,
    part: (piece, offset, length) => {
      const message = assembler.part(piece, offset, length);
      if (message !== undefined) out.push(Buffer.from(message).toString('hex'));
    },
  };
  const reused = Buffer.alloc(Math.max(1, ...reads.map((r) => r.length)));
  for (const read of reads) {
    let chunk = read;
    if (transient) {
      read.copy(reused);
      chunk = reused.subarray(0, read.length);
    }
    parser.push(chunk, (payload) => {
      const message = isChunkFrame(payload) ? assembler.accept(payload) : payload;
      if (message !== undefined) out.push(Buffer.from(message).toString('hex'));
    });
    if (transient) reused.fill(0xee); // what the next read does to views into it
  }
  expect(assembler.buffered).to.equal(0);
  return out;
}

describe('reliability: chunk reassembly properties', () => {
  it('any chunk sizes, any whole messages between chunks, any cut into reads: the same messages, in order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), fc.nat(2100), (ops, cuts, transient, streamedMin) => {
        const { frames, expected } = layOut(ops);
        const stream = Buffer.concat(frames);
        expect(receive(cutInto(stream, cuts), transient, Math.max(1, streamedMin))).to.deep.equal(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary chunk frames never throw anything but ProtocolError, and never yield or hold more than the limit', () => {
    const chunkFrame = fc.tuple(fc.constantFrom(CHUNK_FIRST, CHUNK_NEXT, 2, 0xff), fc.uint8Array({ maxLength: 600 }));
    fc.assert(
      fc.property(fc.array(chunkFrame, { maxLength: 30 }), fc.nat(LIMIT), (frames, limit) => {
        const assembler = new ChunkAssembler(limit);
        for (const [kind, rest] of frames) {
          try {
            const message = assembler.accept(Buffer.concat([Buffer.from([CHUNK_MARKER, kind]), rest]));
            if (message !== undefined) expect(message.length).to.be.within(1, limit);
          } catch (error) {
            expect(error).to.be.instanceOf(ProtocolError);
            assembler.reset(); // the connection would be dropped; go on with a fresh one
          }
          expect(assembler.buffered).to.be.at.most(limit);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a total over the limit is refused from the first chunk\'s prefix, before anything is held', () => {
    fc.assert(
      fc.property(fc.nat(1 << 20), fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (limit, total, data) => {
        fc.pre(total > limit);
        const assembler = new ChunkAssembler(limit);
        const first = Buffer.concat([chunkFramePrefix(true, total, data.length).subarray(4), data]);
        expect(() => assembler.accept(first)).to.throw(ProtocolError, /exceeds/);
        expect(assembler.buffered).to.equal(0);
      }),
      { numRuns: RUNS },
    );
  });
});
