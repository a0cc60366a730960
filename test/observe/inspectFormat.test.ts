import { expect } from 'chai';
import { bytes, clean, duration, formatTable, state } from '../../lib/cli/inspectFormat.js';

describe('inspect tables (lib/cli/inspectFormat.ts)', function () {
  it('sums up each kind of object in a phrase', function () {
    expect(state({ type: 'queue', size: 3, maxsize: 0, waitingGetters: 0, waitingPutters: 0, unfinishedTasks: 0 })).to.equal('size 3');
    expect(state({ type: 'queue', size: 0, maxsize: 5, waitingGetters: 2, waitingPutters: 0, unfinishedTasks: 1 })).to.equal('size 0/5, 2 getters waiting, 1 unfinished');
    expect(state({ type: 'lock', locked: false, holder: null, level: 0, waiting: 0, waiters: [] })).to.equal('free');
    expect(state({ type: 'lock', locked: true, holder: 4, level: 3, waiting: 12, waiters: [1, 2] })).to.equal('held by #4 ×3, 12 waiting (#1 #2 …)');
    expect(state({ type: 'lock', locked: true, holder: null, level: 1, waiting: 0, waiters: [] })).to.equal('held by server');
    expect(state({ type: 'semaphore', value: 0, holders: [{ client: 1, units: 2 }], waiting: 1, waiters: [3] })).to.equal('value 0, held by #1×2, 1 waiting (#3)');
    expect(state({ type: 'condition', locked: true, holder: 2, waiting: 0, waiters: [] })).to.equal('lock held by #2');
    expect(state({ type: 'event', set: false, waiting: 1 })).to.equal('clear, 1 waiter waiting');
    expect(state({ type: 'barrier', parties: 3, waiting: 2, broken: true })).to.equal('2/3 waiting, broken');
    expect(state({ type: 'sized', length: 7 })).to.equal('len 7');
    expect(state(undefined)).to.equal('');
  });

  it('aligns columns and replaces control characters', function () {
    const table = formatTable(['A', 'BB'], [['xxx', 'y'], ['\x1b[2J', '\u009b1m']]);
    expect(table).to.equal('A     BB\nxxx   y\n?[2J  ?1m');
    expect(formatTable(['A'], [])).to.equal('A\n(none)');
    expect(clean('tab\there\nnew')).to.equal('tab?here?new');
  });

  it('prints sizes and durations briefly', function () {
    expect(bytes(512)).to.equal('512 B');
    expect(bytes(1536)).to.equal('1.5 KiB');
    expect(bytes(300 * 1024 * 1024)).to.equal('300 MiB');
    expect(duration(59.9)).to.equal('59s');
    expect(duration(61)).to.equal('1m01s');
    expect(duration(7260)).to.equal('2h01m');
    expect(duration(90000)).to.equal('1d1h');
  });
});
