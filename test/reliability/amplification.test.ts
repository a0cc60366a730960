// Small requests that would make large results (issue 10 §2): operations that multiply what they
// were sent are refused up front when the result could not be sent back (the server's maxFrameSize),
// and a reply larger than that is a LimitError reply, never a built buffer.
import { expect } from 'chai';
import { SyncManager, LimitError, RangeError, Slice, type ListProxy } from '../../lib/index.js';
import { serve, type Served } from '../helpers/servers.js';
import { rejectionOf } from '../helpers/assertions.js';

const MiB = 1024 * 1024;

describe('reliability: amplification by small requests', function () {
  this.timeout(30_000);
  let served: Served<SyncManager>;
  let client: SyncManager;
  beforeEach(async () => {
    served = await serve(SyncManager, { maxFrameSize: 4 * MiB });
    client = await served.client();
  });
  afterEach(() => served.close());

  it('list * n and list *= n are refused with LimitError when the result would exceed maxFrameSize', async () => {
    const list = await client.list(['x'.repeat(1024)]);
    for (const method of ['__mul__', '__rmul__', '__imul__']) {
      const error = await rejectionOf(list._callMethod(method, [5000]));
      expect(error, method).to.be.instanceOf(LimitError);
      expect((error as LimitError).limit).to.equal('maxFrameSize');
    }
    expect(await list.length()).to.equal(1); // nothing was built in place either
    // Within the limit, as usual.
    expect(((await list._callMethod('__mul__', [3000])) as unknown[]).length).to.equal(3000);
    await list._callMethod('__imul__', [3000]);
    expect(await list.length()).to.equal(3000);
  });

  it('a string or bytes of millions of characters is not turned into millions of items (extend, slices, Array)', async () => {
    const list = await client.list<string>();
    const long = 'y'.repeat(3 * MiB);
    const error = await rejectionOf(list._callMethod('extend', [long]));
    expect(error).to.be.instanceOf(RangeError);
    expect(error.message).to.match(/one call may create/);
    expect(await list.length()).to.equal(0);
    expect(await rejectionOf(list._callMethod('__setitem__', [new Slice(0, 0, null), long]))).to.be.instanceOf(RangeError);
    expect(await rejectionOf(client.Array('u', long as unknown as string[]))).to.be.instanceOf(RangeError);
    expect(await rejectionOf(client.Array('B', new Uint8Array(3 * MiB) as unknown as number[]))).to.be.instanceOf(RangeError);
    await list._callMethod('extend', ['abc']);
    expect(await list._getValue()).to.deep.equal(['a', 'b', 'c']);
  });

  it('Array(typecode, n) is refused when its items would exceed maxFrameSize', async () => {
    const error = await rejectionOf(client.Array('d', MiB));
    expect(error).to.be.instanceOf(LimitError);
    expect(await (await client.Array('d', 256 * 1024)).length()).to.equal(256 * 1024);
    expect(await rejectionOf(client.Array('c', 64 * 1024))).to.be.instanceOf(LimitError);
  });

  it('a reply larger than maxFrameSize is a LimitError reply; the connection goes on', async () => {
    const list: ListProxy<string> = await client.list();
    for (let i = 0; i < 5; i++) await list.append(String(i).repeat(MiB));
    const error = await rejectionOf(list._getValue());
    expect(error).to.be.instanceOf(LimitError);
    expect(error.message).to.match(/maxFrameSize/);
    expect(await rejectionOf(list._callMethod('copy', []))).to.be.instanceOf(LimitError);
    expect(await rejectionOf(list._callMethod('__add__', [['z']]))).to.be.instanceOf(LimitError);
    expect(await rejectionOf(list._str())).to.be.instanceOf(LimitError);
    expect((await list.get(4)).length).to.equal(MiB);
    expect(await list.length()).to.equal(5);
    // An error quoting a value too large to send back goes out cut short.
    const quoting = await rejectionOf(list.index('q'.repeat(3 * MiB)));
    expect(quoting.message).to.match(/is not in list/);
    expect(quoting.message.length).to.be.below(100_000);
    expect(await list.length()).to.equal(5);
  });
});
