// Memory of a server running in a child process, as the kernel counts it (/proc/<pid>/status): the
// resident set now (VmRSS) and at its peak (VmHWM), in MiB. Heap figures alone miss buffers.
import { readFileSync } from 'node:fs';

export function rssMiB(pid: number): number {
  return statusField(pid, 'VmRSS');
}

export function peakRssMiB(pid: number): number {
  return statusField(pid, 'VmHWM');
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Math.round(Number(match[1]) / 1024);
}
