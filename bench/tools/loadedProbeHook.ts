// Timeline of one process's connection events, for bench/tools/loadedProbe.ts: patches (in this
// process only) the frame writer, the chunk assembler and the connection's receive path, and keeps
// epoch-millisecond marks of each small frame in and out, each chunk written, each socket read, the
// chunk data received and every GC pause. Imported by the probe (the client), and loaded into the
// bench server with `--import` (PROBE_TIMELINE=file: written there when the server exits).
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { ChunkAssembler } from '../../lib/connection/chunks.js';
import { Connection } from '../../lib/connection/connection.js';
import { FrameWriter } from '../../lib/connection/frameWriter.js';

/** Epoch milliseconds, comparable across processes of the machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/**
 * Marks go into preallocated typed arrays, not growing JS arrays: the arrays' reallocations
 * survived young collections and grew V8's new space, which changed the very collections measured.
 */
class Series {
  private data = new Float64Array(1 << 20);
  length = 0;

  push(...values: number[]): void {
    if (this.length + values.length > this.data.length) return; // full: later marks are dropped
    for (const value of values) this.data[this.length++] = value;
  }

  toJSON(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

export interface Timeline {
  /** Small whole messages in (not chunk frames): t, length, 1 if it names the key 'small'. */
  frameIn: number[];
  /** Small messages handed to the writer: t, length, socket.writableLength, chunk bytes unacknowledged, chunk bytes queued. */
  frameOut: number[];
  /** Chunk frames written: t, data length, socket.writableLength before. */
  chunkOut: number[];
  /** Chunk data received (streamed pieces): t, bytes. */
  chunkIn: number[];
  /** Socket reads handed to the connection: t, bytes. */
  reads: number[];
  /** GC pauses: start, duration, kind (1 minor, 4 major, 8 incremental, 16 weak callbacks). */
  gc: number[];
  /** Acknowledgements received by the writer: t, bytes. */
  acksIn: number[];
  cpu?: NodeJS.CpuUsage;
  faults?: number;
}

const series = { frameIn: new Series(), frameOut: new Series(), chunkOut: new Series(), chunkIn: new Series(), reads: new Series(), gc: new Series(), acksIn: new Series() };
const timeline = series;
const SMALL = Buffer.from('small');
const CHUNK_MARKER = 0xc1;

interface WriterInternals {
  socket: { writableLength: number };
  chunkBytesUnacked: number;
  chunkBytesQueued: number;
  chunkQueue?: { length: number; sent: number }[];
}
/* eslint-disable @typescript-eslint/unbound-method -- patching private methods, called with their own `this` */
const writer = FrameWriter.prototype as any;
const write = writer.write as (this: FrameWriter, message: Uint8Array, transient: boolean) => void;
writer.write = function (this: WriterInternals, message: Uint8Array, transient: boolean): void {
  if (message.length < 4096 && message[0] !== CHUNK_MARKER) {
    timeline.frameOut.push(now(), message.length, this.socket.writableLength, this.chunkBytesUnacked, this.chunkBytesQueued);
  }
  return write.call(this as unknown as FrameWriter, message, transient);
};
const writeNextChunk = writer.writeNextChunk as (this: FrameWriter) => void;
writer.writeNextChunk = function (this: WriterInternals): void {
  const before = this.socket.writableLength;
  const queued = this.chunkBytesQueued;
  writeNextChunk.call(this as unknown as FrameWriter);
  timeline.chunkOut.push(now(), queued - this.chunkBytesQueued, before);
};
const acknowledged = writer.acknowledged as (this: FrameWriter, bytes: number) => void;
writer.acknowledged = function (this: FrameWriter, bytes: number): void {
  timeline.acksIn.push(now(), bytes);
  acknowledged.call(this, bytes);
};
const part = ChunkAssembler.prototype.part;
ChunkAssembler.prototype.part = function (this: ChunkAssembler, piece, offset, length) {
  timeline.chunkIn.push(now(), piece.length);
  return part.call(this, piece, offset, length);
};
const connection = Connection as any;
const receiveFrame = connection.receiveFrame as (this: Connection, payload: Buffer, owned: boolean) => boolean;
connection.receiveFrame = function (this: Connection, payload: Buffer, owned: boolean): boolean {
  if (payload.length < 4096 && payload[0] !== CHUNK_MARKER) timeline.frameIn.push(now(), payload.length, payload.indexOf(SMALL) >= 0 ? 1 : 0);
  return receiveFrame.call(this, payload, owned);
};
const receiveChunk = connection.prototype.receiveChunk as (this: Connection, chunk: Buffer) => void;
connection.prototype.receiveChunk = function (this: Connection, chunk: Buffer): void {
  timeline.reads.push(now(), chunk.length);
  receiveChunk.call(this, chunk);
};
/* eslint-enable @typescript-eslint/unbound-method */

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    timeline.gc.push(performance.timeOrigin + entry.startTime, entry.duration, (entry as unknown as { detail: { kind: number } }).detail.kind);
  }
}).observe({ entryTypes: ['gc'] });

/** Clears the marks and starts counting CPU and page faults (the measured window starts). */
export function resetTimeline(): void {
  for (const key of Object.keys(series) as (keyof typeof series)[]) series[key].length = 0;
  cpuStart = process.cpuUsage();
  faultsStart = process.resourceUsage().minorPageFault;
}
let cpuStart = process.cpuUsage();
let faultsStart = process.resourceUsage().minorPageFault;

/** The marks since resetTimeline, with the CPU and page faults used meanwhile. */
export function takeTimeline(): Timeline {
  const marks = Object.fromEntries(Object.entries(series).map(([key, value]) => [key, value.toJSON()])) as Omit<Timeline, 'cpu' | 'faults'>;
  return { ...marks, cpu: process.cpuUsage(cpuStart), faults: process.resourceUsage().minorPageFault - faultsStart };
}

// In the server: the probe sends SIGUSR2 when its window starts, and the file is written at exit.
const file = process.env.PROBE_TIMELINE;
if (file !== undefined) {
  process.on('SIGUSR2', resetTimeline);
  process.on('exit', () => writeFileSync(file, JSON.stringify(takeTimeline())));
}
