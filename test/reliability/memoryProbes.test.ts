// The amplification probes of issue 10 §2, one after another against a SyncManager server in its own
// process: each is refused early, the server's resident memory (VmHWM, the kernel's count, not the
// heap) stays under 300 MiB throughout, and comes back near its baseline after a large legitimate
// reply. The probes are scaled down from the (a 256 MiB reply instead of 1 GiB, 8 MiB of
// empty maps instead of 64) so that the test is quick, but each is still far over what the server
// accepts, so today's refusals are what keeps the memory down.
import { expect } from 'chai';
import { SyncManager, LimitError, RangeError, type ListProxy } from '../../lib/index.js';
import { Codec } from '../../lib/codec/codec.js';
import { Token, type WireRef } from '../../lib/protocol.js';
import { RawClient } from '../helpers/raw.js';
import { eventually } from '../helpers/servers.js';
import { Child, killAll, rejectionOf } from './helpers.js';
import { peakRssMiB, rssMiB } from './rss.js';

const MiB = 1024 * 1024;
const AUTHKEY = Buffer.from('test-key');

/** A request frame `[0, 1, objectId, 'append', [<value>], null]` whose one argument is `value` (msgpack bytes). */
function appendRequest(objectId: string, value: Uint8Array): Uint8Array {
  const head = new Codec().encode([0, 1, objectId, 'append']);
  head[0] = 0x96; // six elements, not four: the args array and kwargs follow
  const argsHead = Uint8Array.of(0x91); // [value]
  return Buffer.concat([head, argsHead, value, Uint8Array.of(0xc0)]);
}

/** An array32 of `count` copies of `item`. */
function repeated(count: number, item: Uint8Array): Uint8Array {
  const bytes = Buffer.allocUnsafe(5 + count * item.length);
  bytes[0] = 0xdd;
  bytes.writeUInt32BE(count, 1);
  for (let i = 0; i < count; i++) bytes.set(item, 5 + i * item.length);
  return bytes;
}

describe('reliability: memory under amplification probes (server in a child process)', function () {
  this.timeout(120_000);
  const children: Child[] = [];
  afterEach(() => killAll(children));

  it('every probe of issue 10 is refused early and the server stays under 300 MiB; memory returns after a large reply', async () => {
    const server = new Child('server.ts', {});
    children.push(server);
    const address = await server.line('listening');
    const client = new SyncManager({ address, authkey: 'test-key' });
    await client.connect();
    try {
      const list: ListProxy<string> = await client.list(['x'.repeat(1024)]);
      const baseline = rssMiB(server.pid);
      const id = list._token.id;

      // A 256 MiB reply asked for in a few bytes, and the same in place.
      expect(await rejectionOf(list._callMethod('__mul__', [262_144]))).to.be.instanceOf(LimitError);
      expect(await rejectionOf(list._callMethod('__imul__', [262_144]))).to.be.instanceOf(LimitError);
      // A string turned into millions of one-character items.
      expect(await rejectionOf(list._callMethod('extend', ['y'.repeat(8 * MiB)]))).to.be.instanceOf(RangeError);
      // Arrays of millions of zeros.
      expect(await rejectionOf(client.Array('c', 1024 * 1024))).to.be.instanceOf(LimitError);

      // Messages that decode to millions of objects: each closes its own connection, unbuilt.
      const sets = (count: number) => repeated(count, Uint8Array.of(0xd4, 0x04, 0x90));
      const refCodec = new Codec({
        toWire: (value) => (value instanceof Token ? { typeid: value.typeid, address: value.address, id: value.id } : undefined),
        fromWire: (ref: WireRef) => ref,
      });
      const forgedRef = refCodec.encode(new Token('list', address, id));
      const probes: [string, Uint8Array][] = [
        ['8 Mi empty maps (0x80)', repeated(8 * MiB, Uint8Array.of(0x80))],
        ['4 Mi {"": {}}', repeated(4 * MiB, Uint8Array.of(0x81, 0xa0, 0x80))],
        ['2 Mi empty Sets', sets(2 * MiB)],
        ['1 Mi forged references', repeated(MiB, forgedRef)],
        ['4 Mi empty bins', repeated(4 * MiB, Uint8Array.of(0xc4, 0x00))],
      ];
      for (const [what, value] of probes) {
        const raw = await RawClient.authenticated(address, AUTHKEY);
        raw.sendFrame(appendRequest(id, value));
        await raw.readFrame(); // the goodbye naming the limit
        await raw.closedPromise;
        expect(await list.length(), what).to.equal(1);
      }
      const peak = peakRssMiB(server.pid);
      expect(peak, `the server peaked at ${peak} MiB (baseline ${baseline} MiB)`).to.be.below(300);

      // A large legitimate reply (48 MiB) is served; then the memory it took is let go.
      const big: ListProxy<string> = await client.list();
      for (let i = 0; i < 48; i++) await big.append(String.fromCharCode(97 + (i % 26)).repeat(MiB));
      expect((await big._getValue()).length).to.equal(48);
      await big._release();
      expect(await list.length()).to.equal(1);
      await eventually(() => rssMiB(server.pid) < baseline + 80, 20);
    } finally {
      await client.close();
    }
  });
});
