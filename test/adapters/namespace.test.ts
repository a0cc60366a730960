// Namespace: attributes by name, Python's AttributeError messages and repr (checked against
// CPython 3.11.7's multiprocessing.managers.Namespace).
import { expect } from 'chai';
import { AttributeError, TypeError } from '../../lib/errors.js';
import { NAMESPACE_EXPOSED, Namespace } from '../../lib/server/adapters/index.js';

describe('Namespace', () => {
  it('reads, writes and deletes attributes', () => {
    const ns = new Namespace({ a: 1 });
    expect(ns.__getattribute__('a')).to.equal(1);
    ns.__setattr__('b', [2]);
    expect(ns.__getattribute__('b')).to.deep.equal([2]);
    ns.__delattr__('a');
    expect(ns.getValue()).to.deep.equal({ b: [2] });
  });

  it("raises CPython's AttributeError for a missing name, TypeError for a non-string name", () => {
    // CPython 3.11.7: "'Namespace' object has no attribute 'x'" for both getattr and delattr.
    const ns = new Namespace();
    expect(() => ns.__getattribute__('x')).to.throw(AttributeError, "'Namespace' object has no attribute 'x'");
    expect(() => ns.__delattr__('x')).to.throw(AttributeError, "'Namespace' object has no attribute 'x'");
    expect(() => ns.__setattr__(1 as unknown as string, 0)).to.throw(TypeError, "attribute name must be string, not 'int'");
  });

  it('treats inherited and special names as missing data, and stores __proto__ as data', () => {
    const ns = new Namespace();
    expect(() => ns.__getattribute__('toString')).to.throw(AttributeError);
    expect(() => ns.__getattribute__('constructor')).to.throw(AttributeError);
    ns.__setattr__('__proto__', { polluted: true });
    expect(ns.__getattribute__('__proto__')).to.deep.equal({ polluted: true });
    const copy = ns.getValue();
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect(Object.keys(copy)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it("has CPython's repr: sorted, `_` names left out", () => {
    // CPython 3.11.7: repr(Namespace(b=2, a='x', _c=3, ab=[1])) == "Namespace(a='x', ab=[1], b=2)"
    expect(new Namespace({ b: 2, a: 'x', _c: 3, ab: [1] }).__repr__()).to.equal("Namespace(a='x', ab=[1], b=2)");
    expect(new Namespace().__repr__()).to.equal('Namespace()');
  });

  it('getValue() and toJSON() are copies', () => {
    const ns = new Namespace({ a: 1 });
    ns.getValue().a = 2;
    expect(ns.__getattribute__('a')).to.equal(1);
    expect(JSON.stringify(ns)).to.equal('{"a":1}');
    expect(NAMESPACE_EXPOSED).to.deep.equal(['__getattribute__', '__setattr__', '__delattr__']);
  });
});
