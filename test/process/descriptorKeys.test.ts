// holdsDescriptor decides whether a child loads the code that rebuilds its args (processChild.ts):
// a descriptor it missed would reach the target as a plain object instead of a proxy.
import { expect } from 'chai';
import { holdsDescriptor, PIPE_DESCRIPTOR_KEY, PROXY_DESCRIPTOR_KEY, SHAREDCTYPES_DESCRIPTOR_KEY } from '../../lib/process/descriptorKeys.js';
import { PROXY_DESCRIPTOR_KEY as fromSharedArgs } from '../../lib/process/sharedArgs.js';
import { PIPE_DESCRIPTOR_KEY as fromPipeTransfer } from '../../lib/mpconnection/pipeTransfer.js';
import { SHAREDCTYPES_DESCRIPTOR_KEY as fromTransfer } from '../../lib/sharedctypes/transfer.js';

describe('holdsDescriptor', () => {
  it('finds a descriptor of each kind at any depth: arrays, objects, Map keys and values, Sets', () => {
    for (const key of [PROXY_DESCRIPTOR_KEY, PIPE_DESCRIPTOR_KEY, SHAREDCTYPES_DESCRIPTOR_KEY]) {
      const descriptor = { [key]: {} };
      expect(holdsDescriptor([descriptor]), key).to.equal(true);
      expect(holdsDescriptor([1, { a: [{ b: descriptor }] }]), key).to.equal(true);
      expect(holdsDescriptor([new Map([['k', descriptor]])]), key).to.equal(true);
      expect(holdsDescriptor([new Map([[descriptor, 1]])]), key).to.equal(true);
      expect(holdsDescriptor([new Set([descriptor])]), key).to.equal(true);
    }
  });

  it('is false for plain data, cycles and binary data included', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(holdsDescriptor([])).to.equal(false);
    expect(holdsDescriptor([1, 'two', null, undefined, 3n, new Date(0), cyclic, new Uint8Array(1_000_000), new Map([[1, [2]]]), new Set(['a'])])).to.equal(false);
    expect(holdsDescriptor([{ __mpmanagers_other__: 1 }])).to.equal(false);
  });

  it('uses the keys the senders write', () => {
    expect([fromSharedArgs, fromPipeTransfer, fromTransfer]).to.deep.equal([PROXY_DESCRIPTOR_KEY, PIPE_DESCRIPTOR_KEY, SHAREDCTYPES_DESCRIPTOR_KEY]);
  });
});
