// Pipe(): both ends in this process, and one end in a child process (Pipe-based parmap).
import { expect } from 'chai';
import { ConnectionClosedError, EOFError, Pipe, Pool, Process, ProtocolError, ValueError, wait } from '../../lib/index.js';
import { killLeftoverProcesses } from '../helpers/processes.js';
import { rejectionOf } from '../helpers/assertions.js';
import { fixture, trackChildProcesses } from '../process/helpers.js';

const targets = fixture('connectionTargets');

describe('Pipe in one process', () => {
  it('carries msgpack values both ways, in order', async () => {
    const [a, b] = Pipe();
    for (const value of [1, 'two', [3, { four: 4n }], null, new Map([[1, 2]]), Buffer.from('bytes')]) await a.send(value);
    expect(await b.recv()).to.equal(1);
    expect(await b.recv()).to.equal('two');
    expect(await b.recv()).to.deep.equal([3, { four: 4n }]);
    expect(await b.recv()).to.equal(null);
    expect(await b.recv()).to.deep.equal(new Map([[1, 2]]));
    expect(Buffer.from((await b.recv()) as Uint8Array).toString()).to.equal('bytes');
    await b.send('back');
    expect(await a.recv()).to.equal('back');
    a.close();
    b.close();
  });

  it('poll(): false at once by default, true once a message is there, waits up to its timeout, null waits for ever', async () => {
    const [a, b] = Pipe();
    expect(await b.poll()).to.equal(false);
    expect(await b.poll(0.05)).to.equal(false);
    const waiting = b.poll(null);
    setTimeout(() => void a.send('x'), 20);
    expect(await waiting).to.equal(true);
    expect(await b.poll()).to.equal(true);
    expect(await b.recv()).to.equal('x');
    a.close();
    b.close();
  });

  it('recv() rejects EOFError once the other end is closed and everything it sent is read; poll() is then true', async () => {
    const [a, b] = Pipe();
    await a.send('last');
    a.close();
    expect(await b.recv()).to.equal('last');
    expect(await b.poll()).to.equal(true);
    const error = await rejectionOf(b.recv());
    expect(error).to.be.instanceOf(EOFError);
    expect(error.name).to.equal('EOFError');
    // A waiting recv() is woken by the close too.
    const [c, d] = Pipe();
    const waiting = d.recv();
    c.close();
    expect(await rejectionOf(waiting)).to.be.instanceOf(EOFError);
    b.close();
    d.close();
  });

  it('send() to a closed end rejects; using a closed end rejects ConnectionClosedError', async () => {
    const [a, b] = Pipe();
    b.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await rejectionOf(a.send(1))).to.be.instanceOf(ConnectionClosedError);
    expect(await rejectionOf(b.recv())).to.be.instanceOf(ConnectionClosedError);
    a.close();
  });

  it('Pipe(false): the first end only receives, the second only sends', async () => {
    const [reader, writer] = Pipe(false);
    expect(reader.writable).to.equal(false);
    expect(writer.readable).to.equal(false);
    expect(await rejectionOf(reader.send(1))).to.be.instanceOf(ValueError);
    expect(await rejectionOf(writer.recv())).to.be.instanceOf(ValueError);
    await writer.send('one way');
    expect(await reader.recv()).to.equal('one way');
    reader.close();
    writer.close();
  });

  it('sendBytes/recvBytes carry raw bytes, with offset and size; recvBytes(maxlength) refuses a longer message and closes', async () => {
    const [a, b] = Pipe();
    await a.sendBytes(Buffer.from('hello world'), 6, 5);
    expect((await b.recvBytes()).toString()).to.equal('world');
    await a.sendBytes(Buffer.from('0123456789'));
    expect(await rejectionOf(b.recvBytes(4))).to.be.instanceOf(ValueError);
    expect(b.closed).to.equal(true);
    expect(await rejectionOf(a.sendBytes(Buffer.alloc(1), 2))).to.be.instanceOf(ValueError);
    a.close();
  });

  it('recv() of a message that is not msgpack rejects ProtocolError; the connection stays usable', async () => {
    const [a, b] = Pipe();
    await a.sendBytes(Buffer.from([0xc1])); // never used in msgpack
    expect(await rejectionOf(b.recv())).to.be.instanceOf(ProtocolError);
    await a.send('fine');
    expect(await b.recv()).to.equal('fine');
    a.close();
    b.close();
  });

  it('a value msgpack cannot carry (a function) rejects TypeError and sends nothing', async () => {
    const [a, b] = Pipe();
    expect(await rejectionOf(a.send(() => 1))).to.be.instanceOf(Error);
    expect(await b.poll()).to.equal(false);
    a.close();
    b.close();
  });

  it('wait() resolves to the connections with something to read, or an empty list at its timeout', async () => {
    const [a1, b1] = Pipe();
    const [a2, b2] = Pipe();
    expect(await wait([b1, b2], 0)).to.deep.equal([]);
    expect(await wait([b1, b2], 0.05)).to.deep.equal([]);
    const waiting = wait([b1, b2]);
    setTimeout(() => void a2.send('second'), 20);
    expect(await waiting).to.deep.equal([b2]);
    a1.close(); // an end that has ended is ready too: recv() rejects EOFError
    await new Promise((resolve) => setImmediate(resolve));
    expect(await wait([b1, b2], 1)).to.deep.equal([b1, b2]);
    for (const end of [a2, b1, b2]) end.close();
  });

  it('await using closes the end', async () => {
    const [a, b] = Pipe();
    {
      await using end = a;
      await end.send(1);
    }
    expect(a.closed).to.equal(true);
    expect(await b.recv()).to.equal(1);
    expect(await rejectionOf(b.recv())).to.be.instanceOf(EOFError);
    b.close();
  });
});

describe('Pipe with an end in a child process', function () {
  this.timeout(120000);
  const children = trackChildProcesses();
  after(() => children.expectNoneLeft());
  const started = killLeftoverProcesses();

  it("Pipe-based parmap: the child squares what the parent sends, and ends at the parent's EOF", async () => {
    const [parentEnd, childEnd] = Pipe();
    await parentEnd.send(2); // sent before the child exists: it is waiting for it
    const p = new Process({ module: targets, export: 'squareUntilEof', args: [childEnd] });
    started(p);
    expect(childEnd.closed).to.equal(true); // it now belongs to the child
    expect(await rejectionOf(childEnd.recv())).to.be.instanceOf(ValueError);
    expect(await parentEnd.recv()).to.equal(4);
    const results: unknown[] = [];
    for (let n = 3; n < 8; n++) await parentEnd.send(n);
    for (let n = 3; n < 8; n++) results.push(await parentEnd.recv());
    expect(results).to.deep.equal([9, 16, 25, 36, 49]);
    parentEnd.close();
    expect(await p.join(60)).to.equal(0);
  });

  it("the child's exit is the end of the pipe: recv() rejects EOFError after the messages it sent", async () => {
    const [parentEnd, childEnd] = Pipe();
    const p = new Process({ module: targets, export: 'sendNumbers', args: [childEnd, 3] });
    started(p);
    expect([await parentEnd.recv(), await parentEnd.recv(), await parentEnd.recv()]).to.deep.equal([0, 1, 2]);
    expect(await rejectionOf(parentEnd.recv())).to.be.instanceOf(EOFError);
    expect(await p.join(60)).to.equal(0);
    parentEnd.close();
  });

  it('a killed child: the parent end sees EOFError (a peer that vanishes)', async () => {
    const [parentEnd, childEnd] = Pipe();
    const p = new Process({ module: targets, export: 'holdForever', args: [childEnd] });
    started(p);
    expect(await parentEnd.recv()).to.equal('ready');
    p.kill();
    expect(await rejectionOf(parentEnd.recv())).to.be.instanceOf(EOFError);
    await p.join(60);
    parentEnd.close();
  });

  it('both ends of one-way pipes in children: this process relays between them', async () => {
    const [reader, writer] = Pipe(false);
    const [resultReader, resultWriter] = Pipe(false);
    await writer.send('early'); // read by the consumer, after it has moved twice
    const consumer = new Process({ module: targets, export: 'forwardTo', args: [reader, resultWriter, 3] });
    started(consumer);
    const producer = new Process({ module: targets, export: 'sendNumbers', args: [writer, 2] });
    started(producer);
    expect(await resultReader.recv()).to.deep.equal(['early', 0, 1]);
    expect(await Promise.all([consumer.join(60), producer.join(60)])).to.deep.equal([0, 0]);
    resultReader.close();
  });

  it('an end already sent, or closed, cannot be sent again', async () => {
    const [a, b] = Pipe();
    b.close();
    expect(() => new Process({ module: targets, export: 'sendNumbers', args: [b, 0] }).start()).to.throw(ConnectionClosedError);
    const p = new Process({ module: targets, export: 'sendNumbers', args: [a, 0] });
    started(p);
    expect(() => new Process({ module: targets, export: 'sendNumbers', args: [a, 0] }).start()).to.throw(ValueError, /sent to Process-/);
    await p.join(60);
  });
});

describe('Pipe with an end in a worker thread', function () {
  this.timeout(120000);
  const started = killLeftoverProcesses();

  it('a thread Process: parmap over the pipe, and EOF both ways', async () => {
    const [parentEnd, childEnd] = Pipe();
    await parentEnd.send(2);
    const p = new Process({ module: targets, export: 'squareUntilEof', args: [childEnd], thread: true });
    started(p);
    expect(await parentEnd.recv()).to.equal(4);
    await parentEnd.send(9);
    expect(await parentEnd.recv()).to.equal(81);
    parentEnd.close();
    expect(await p.join(60)).to.equal(0);
    const [other, threadEnd] = Pipe();
    const sender = new Process({ module: targets, export: 'sendNumbers', args: [threadEnd, 2], thread: true });
    started(sender);
    expect([await other.recv(), await other.recv()]).to.deep.equal([0, 1]);
    expect(await rejectionOf(other.recv())).to.be.instanceOf(EOFError);
    await sender.join(60);
    other.close();
  });

  it('a Pool task is given a Pipe end', async () => {
    const [reader, writer] = Pipe(false);
    const pool = new Pool(1, { module: targets });
    try {
      await pool.apply('sendNumbers', [writer, 3]);
      expect([await reader.recv(), await reader.recv(), await reader.recv()]).to.deep.equal([0, 1, 2]);
    } finally {
      await pool.terminate();
    }
    expect(await rejectionOf(reader.recv())).to.be.instanceOf(EOFError);
  });
});
