import { expect } from 'chai';
import { ProtocolError } from '../../lib/errors.js';
import { DEFAULT_MAX_FRAME_SIZE, FrameParser, frameHeader } from '../../lib/connection/framing.js';

function frame(payload: Buffer): Buffer {
  return Buffer.concat([frameHeader(payload.length), payload]);
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(length, 0);
  return bytes;
}

describe('connection/framing', () => {
  describe('frameHeader', () => {
    it('is the 4-byte signed big-endian length', () => {
      expect(frameHeader(0).toString('hex')).to.equal('00000000');
      expect(frameHeader(59).toString('hex')).to.equal('0000003b');
      expect(frameHeader(0x7fffffff).toString('hex')).to.equal('7fffffff');
    });

    it('refuses lengths the header cannot carry', () => {
      expect(() => frameHeader(0x80000000)).to.throw(ProtocolError);
      expect(() => frameHeader(-1)).to.throw(ProtocolError);
      expect(() => frameHeader(1.5)).to.throw(ProtocolError);
    });
  });

  describe('FrameParser', () => {
    it('assembles frames fed one byte at a time, and earlier payloads stay intact', () => {
      const payloads = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from('a longer third payload')];
      const stream = Buffer.concat(payloads.map(frame));
      const parser = new FrameParser(1024);
      const received: Buffer[] = [];
      for (let i = 0; i < stream.length; i++) {
        parser.push(Buffer.from(stream.subarray(i, i + 1)), (p) => received.push(p));
      }
      expect(received.map((p) => p.toString())).to.deep.equal(['hello', '', 'a longer third payload']);
      expect(parser.buffered).to.equal(0);
    });

    it('delivers many frames from one chunk, in order', () => {
      const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from(`frame ${i}`));
      const parser = new FrameParser(1024);
      const received: string[] = [];
      parser.push(Buffer.concat(payloads.map(frame)), (p) => received.push(p.toString()));
      expect(received).to.deep.equal(payloads.map((p) => p.toString()));
    });

    it('stops after a frame whose callback returns false, and says how much of the chunk it used', () => {
      // Connection stops after the last handshake frame so that the next header is only read at
      // the post-auth limit once the handshake has succeeded.
      const parser = new FrameParser(16);
      const received: string[] = [];
      const chunk = Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b')), header(1000)]);
      const used = parser.push(chunk, (p) => received.push(p.toString()) < 2);
      expect(received).to.deep.equal(['a', 'b']);
      expect(used).to.equal(10); // the 1000-byte header, over this parser's limit, was not read
      parser.maxFrameSize = 1024;
      expect(parser.push(Buffer.concat([chunk.subarray(used), Buffer.alloc(1000)]), () => {})).to.equal(1004);
      expect(parser.push(frame(Buffer.from('c')), (p) => received.push(p.toString()))).to.equal(5);
    });

    it('delivers zero-length frames', () => {
      const parser = new FrameParser(16);
      const received: Buffer[] = [];
      parser.push(Buffer.concat([header(0), header(0), header(0)]), (p) => received.push(p));
      expect(received).to.have.length(3);
      expect(received.every((p) => p.length === 0)).to.equal(true);
    });

    it('keeps a frame split across chunks at arbitrary points, header included', () => {
      const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
      const stream = Buffer.concat([frame(payload), frame(Buffer.from('next'))]);
      for (const cut of [1, 2, 3, 4, 5, 150, 303, 304, 305]) {
        const parser = new FrameParser(1024);
        const received: Buffer[] = [];
        parser.push(stream.subarray(0, cut), (p) => received.push(p));
        parser.push(stream.subarray(cut), (p) => received.push(p));
        expect(received.map((p) => p.length), `cut at ${cut}`).to.deep.equal([300, 4]);
        expect(received[0].equals(payload)).to.equal(true);
      }
    });

    it('keeps a truncated frame buffered until the rest arrives', () => {
      const parser = new FrameParser(1024);
      const received: Buffer[] = [];
      const whole = frame(Buffer.from('0123456789'));
      parser.push(whole.subarray(0, 9), (p) => received.push(p));
      expect(received).to.have.length(0);
      expect(parser.buffered).to.equal(9);
      parser.push(whole.subarray(9), (p) => received.push(p));
      expect(received.map((p) => p.toString())).to.deep.equal(['0123456789']);
      expect(parser.buffered).to.equal(0);
    });

    it('rejects a negative length', () => {
      const parser = new FrameParser(1024);
      expect(() => parser.push(header(-5), () => {})).to.throw(ProtocolError, /negative/);
      expect(() => new FrameParser(1024).push(header(-1), () => {})).to.throw(ProtocolError, /64-bit/);
    });

    it('rejects an oversize length from its header alone, before any body arrives', () => {
      const parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
      // 2 GiB - 1 announced with a 64 MiB limit: refused on the 4 header bytes.
      expect(() => parser.push(header(0x7fffffff), () => {})).to.throw(ProtocolError, /exceeds/);
      const small = new FrameParser(256);
      expect(() => small.push(header(257), () => {})).to.throw(ProtocolError, /257/);
      const exact = new FrameParser(256);
      exact.push(header(256), () => {});
      expect(exact.buffered).to.equal(4);
    });

    it('does not allocate the announced size up front', () => {
      const parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
      const before = process.memoryUsage().arrayBuffers;
      parser.push(Buffer.concat([header(DEFAULT_MAX_FRAME_SIZE), Buffer.from('abc')]), () => {});
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(parser.buffered).to.equal(7);
      expect(grown).to.be.below(16 * 1024 * 1024);
    });

    it('assembles a large frame delivered in many chunks', () => {
      const payload = Buffer.alloc(4 * 1024 * 1024, 7);
      payload.writeUInt32BE(0xdeadbeef, payload.length - 4);
      const stream = frame(payload);
      const parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
      const received: Buffer[] = [];
      for (let offset = 0; offset < stream.length; offset += 65536) {
        parser.push(stream.subarray(offset, offset + 65536), (p) => received.push(p));
      }
      expect(received).to.have.length(1);
      expect(received[0].equals(payload)).to.equal(true);
    });

    it('applies a raised limit to the next header', () => {
      const parser = new FrameParser(4);
      const received: number[] = [];
      parser.push(frame(Buffer.from('abcd')), (p) => {
        received.push(p.length);
        parser.maxFrameSize = 100;
      });
      parser.push(frame(Buffer.alloc(50)), (p) => received.push(p.length));
      expect(received).to.deep.equal([4, 50]);
    });
  });
});
