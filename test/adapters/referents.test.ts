// How the server sees a referent: adaptReferent's adapter and kind, getValueOf (#GETVALUE), and
// publicMethods (CPython's public_methods for JS objects).
import { expect } from 'chai';
import {
  DictAdapter,
  IteratorAdapter,
  ListAdapter,
  Namespace,
  SharedArray,
  Value,
  adaptReferent,
  getValueOf,
  publicMethods,
} from '../../lib/server/adapters/index.js';

describe('adaptReferent', () => {
  it('wraps arrays as lists and Maps / plain objects as dicts, over the same object', () => {
    const array = [1];
    const list = adaptReferent(array);
    expect(list.kind).to.equal('list');
    expect(list.target).to.be.instanceOf(ListAdapter);
    (list.target as ListAdapter).append(2);
    expect(array).to.deep.equal([1, 2]);

    for (const dict of [new Map(), {}, Object.create(null) as object]) {
      const adapted = adaptReferent(dict);
      expect(adapted.kind).to.equal('dict');
      expect(adapted.target).to.be.instanceOf(DictAdapter);
      expect((adapted.target as DictAdapter).referent).to.equal(dict);
    }
  });

  it('serves Namespace, Value, SharedArray and class instances as themselves (auto)', () => {
    class Counter {
      count = 0;
      increment(): number {
        return ++this.count;
      }
    }
    for (const referent of [new Namespace(), new Value('i', 1), new SharedArray('i', 1), new Counter(), new Date()]) {
      expect(adaptReferent(referent)).to.deep.equal({ target: referent, kind: 'auto' });
    }
  });

  it('wraps generators and built-in iterators in an IteratorAdapter', async () => {
    for (const iterator of [
      (function* () {
        yield 1;
      })(),
      [1][Symbol.iterator](),
      new Map([[1, 1]]).keys(),
      new DictAdapter({ k: 1 }).__iter__(),
    ]) {
      const adapted = adaptReferent(iterator);
      expect(adapted.kind).to.equal('auto');
      expect(adapted.target).to.be.instanceOf(IteratorAdapter);
      expect(await (adapted.target as IteratorAdapter).__next__()).to.be.oneOf([1, 'k']);
    }
    // A class instance keeps its own methods exposed, even if it has `next`.
    class Cursor {
      next(): IteratorResult<number> {
        return { done: true, value: undefined };
      }
    }
    const cursor = new Cursor();
    expect(adaptReferent(cursor).target).to.equal(cursor);
  });

  it('boxes primitives and gives None an empty object, so `target` is always an object', () => {
    expect(typeof adaptReferent(5).target).to.equal('object');
    expect(publicMethods(adaptReferent(null).target)).to.deep.equal([]);
  });
});

describe('getValueOf', () => {
  it('copies arrays, Maps and plain objects (same kind), also given their adapters', () => {
    const array = [1, [2]];
    const copy = getValueOf(array) as unknown[];
    expect(copy).to.deep.equal(array);
    expect(copy).to.not.equal(array);
    expect(getValueOf(new ListAdapter(array))).to.deep.equal(array);
    const map = new Map([['a', 1]]);
    const mapCopy = getValueOf(new DictAdapter(map));
    expect(mapCopy).to.be.instanceOf(Map);
    expect(mapCopy).to.not.equal(map);
    const record = { a: 1 };
    expect(getValueOf(record)).to.deep.equal({ a: 1 });
    expect(getValueOf(record)).to.not.equal(record);
  });

  it('returns the attributes of a Namespace, the value of a Value, the items of a SharedArray', () => {
    expect(getValueOf(new Namespace({ a: 1 }))).to.deep.equal({ a: 1 });
    expect(getValueOf(new Value('d', 2.5))).to.equal(2.5);
    expect(getValueOf(new SharedArray('b', [1, 2]))).to.deep.equal([1, 2]);
    const other = new Date(0);
    expect(getValueOf(other)).to.equal(other);
  });
});

describe('publicMethods', () => {
  class Base {
    inherited(): void {}
    _hidden(): void {}
    shadowed(): void {}
    toString(): string {
      return 'base';
    }
  }
  class Derived extends Base {
    static create(): Derived {
      return new Derived();
    }
    field = 1;
    arrow = (): number => 2;
    own(): void {}
    get computed(): number {
      throw new Error('getters must not be invoked');
    }
    [Symbol.iterator](): Iterator<unknown> {
      return [][Symbol.iterator]();
    }
  }

  // A getter hiding an inherited method (TypeScript will not declare one; JavaScript allows it).
  Object.defineProperty(Derived.prototype, 'shadowed', {
    get(): never {
      throw new Error('getters must not be invoked');
    },
  });

  it('lists callable names up the prototype chain, sorted, without invoking getters', () => {
    expect(publicMethods(new Derived())).to.deep.equal(['arrow', 'inherited', 'own']);
  });

  it('excludes constructor, _names, Object.prototype members (even redefined) and symbols', () => {
    const names = publicMethods(new Derived());
    for (const excluded of ['constructor', '_hidden', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) {
      expect(names).to.not.include(excluded);
    }
    expect(publicMethods({})).to.deep.equal([]);
    expect(publicMethods(Object.create(null))).to.deep.equal([]);
  });

  it("matches CPython's Queue-style objects and the library's own server objects", () => {
    expect(publicMethods(new Value('i', 0))).to.deep.equal(['get', 'set']);
    expect(publicMethods(new SharedArray('i', 0))).to.deep.equal(['getValue']);
    expect(publicMethods(new Namespace())).to.deep.equal(['getValue', 'toJSON']);
    expect(publicMethods(Derived)).to.deep.equal(['create']);
  });
});
