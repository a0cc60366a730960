// ListAdapter beyond the CPython table: in-place edits of the server's own array, sort stability
// and its long-list path, large edits, bigint indices, and where JS types deliberately differ.
import { expect } from 'chai';
import { Slice } from '../../lib/codec/slice.js';
import { IndexError, TypeError } from '../../lib/errors.js';
import { LIST_EXPOSED, ListAdapter } from '../../lib/server/adapters/index.js';

describe('ListAdapter', () => {
  it('modifies the array the server program holds', () => {
    const shared: unknown[] = [3, 1, 2];
    const adapter = new ListAdapter(shared);
    adapter.append(4);
    adapter.sort();
    adapter.__setitem__(new Slice(0, 1, null), ['a', 'b']);
    adapter.__imul__(2);
    expect(adapter.referent).to.equal(shared);
    expect(shared).to.deep.equal(['a', 'b', 2, 3, 4, 'a', 'b', 2, 3, 4]);
  });

  it('__imul__ returns nothing (the proxy keeps itself), __mul__ and __add__ return new arrays', () => {
    const shared = [1, 2];
    const adapter = new ListAdapter(shared);
    expect(adapter.__imul__(2)).to.equal(undefined);
    const product = adapter.__mul__(1);
    const sum = adapter.__add__([]);
    expect(product).to.deep.equal(shared);
    expect(product).to.not.equal(shared);
    expect(sum).to.deep.equal(shared);
    expect(sum).to.not.equal(shared);
  });

  describe('sort', () => {
    it('is stable: equal but distinct items keep their order, also with reverse', () => {
      const first = [1];
      const second = [1];
      const list: unknown[] = [second, [0], first, [2]];
      new ListAdapter(list).sort();
      expect(list[1]).to.equal(second);
      expect(list[2]).to.equal(first);
      new ListAdapter(list).sort({ reverse: true });
      expect(list).to.deep.equal([[2], [1], [1], [0]]);
      expect(list[1]).to.equal(second);
      expect(list[2]).to.equal(first);
    });

    it('sorts long lists (merge path) stably, numbers and bigints together', () => {
      let seed = 7;
      const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      // Values 0/1/2 as numbers, bigints and booleans: equal values, distinguishable items.
      const kinds = [(n: number) => n, (n: number) => BigInt(n), (n: number) => n === 1];
      const items = Array.from({ length: 500 }, () => kinds[random() % 3](random() % 3));
      const expected = items.slice().sort((a, b) => Number(a) - Number(b)); // Array#sort is stable
      const list = items.slice();
      new ListAdapter(list).sort();
      expect(list).to.deep.equal(expected);
      const descending = items.slice();
      new ListAdapter(descending).sort({ reverse: true });
      expect(descending).to.deep.equal(items.slice().sort((a, b) => Number(b) - Number(a)));
    });

    it('leaves the list unchanged when items cannot be compared', () => {
      const list: unknown[] = [3, 2, 1, 'x', 0];
      expect(() => new ListAdapter(list).sort()).to.throw(TypeError, "'<' not supported between instances of");
      expect(list).to.deep.equal([3, 2, 1, 'x', 0]);
    });

    it('refuses a key function: it cannot cross the wire', () => {
      expect(() => new ListAdapter([2, 1]).sort({ key: 'len' as unknown as null })).to.throw(TypeError, "'key'");
      const list = [2, 1];
      new ListAdapter(list).sort({ key: null });
      expect(list).to.deep.equal([1, 2]);
    });
  });

  it('handles edits larger than a spread can carry', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i);
    const list: unknown[] = ['start', 'end'];
    const adapter = new ListAdapter(list);
    adapter.extend(big);
    adapter.__setitem__(new Slice(1, 0, null), big); // l[1:0] = big inserts at 1, as Python
    expect(list.length).to.equal(400_002);
    expect(list[0]).to.equal('start');
    expect(list[1]).to.equal(0);
    expect(list[200_001]).to.equal('end');
    expect(list[400_001]).to.equal(199_999);
  });

  it('accepts bigint indices and slice bounds', () => {
    const adapter = new ListAdapter([10, 20, 30]);
    expect(adapter.__getitem__(1n as unknown as number)).to.equal(20);
    expect(adapter.__getitem__(new Slice(-2n as unknown as number, null, null))).to.deep.equal([20, 30]);
    expect(adapter.pop(-1n)).to.equal(30);
  });

  it('uses Python equality: NaN is not found, 1 equals 1n, null equals undefined', () => {
    const adapter = new ListAdapter([NaN, 1n, undefined]);
    expect(adapter.__contains__(NaN)).to.equal(false);
    expect(adapter.index(1)).to.equal(1);
    expect(adapter.count(null)).to.equal(1);
  });

  describe('deliberate differences from CPython (JS types stay distinct)', () => {
    it('a boolean is not an index (Python: True is 1)', () => {
      const adapter = new ListAdapter([0, 1]);
      expect(() => adapter.pop(true)).to.throw(TypeError, "'bool' object cannot be interpreted as an integer");
      expect(() => adapter.__getitem__(true as unknown as number)).to.throw(
        TypeError,
        'list indices must be integers or slices, not bool',
      );
    });

    it('false is not 0 for `in`, `count`, `index` (Python: False == 0)', () => {
      const adapter = new ListAdapter([false]);
      expect(adapter.__contains__(0)).to.equal(false);
      expect(adapter.count(0)).to.equal(0);
      expect(() => adapter.index(0)).to.throw('0 is not in list');
    });
  });

  it('errors are the library classes, with Python messages', () => {
    expect(() => new ListAdapter([]).pop()).to.throw(IndexError, 'pop from empty list');
  });

  it('exposes CPython\'s list methods plus clear and copy, all implemented', () => {
    const adapter = new ListAdapter([]) as unknown as Record<string, unknown>;
    for (const name of LIST_EXPOSED) expect(adapter[name], name).to.be.a('function');
    expect(LIST_EXPOSED).to.include.members(['__getitem__', 'append', 'sort', '__imul__', 'clear', 'copy']);
  });
});
