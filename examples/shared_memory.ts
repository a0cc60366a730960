// CPython's sharedctypes example, on worker threads: a Value, a bool, a char array, an int array and
// an array of Structures live in shared memory (SharedArrayBuffer); a Process with `thread: true`
// modifies them in place, and this thread sees the changes. (A child *process* cannot share memory:
// give it a manager's Value/Array instead.)
//   npm run example:shared-memory
import { Process, isMainModule, sharedctypes } from '../lib/index.js';

const { Value, Lock, Structure } = sharedctypes;

export class Point extends Structure {
  static override readonly _fields_ = [['x', 'd'], ['y', 'd']] as const;
  declare x: number;
  declare y: number;
}

export function modify(
  n: sharedctypes.SharedValue,
  flag: sharedctypes.SharedValue<boolean>,
  s: sharedctypes.SharedArray<Buffer>,
  numbers: sharedctypes.SharedArray,
  points: sharedctypes.SharedArray<Point>,
): void {
  n.value **= 2;
  flag.value = true;
  s.value = s.value.toString().toUpperCase();
  numbers[0] = 10;
  for (const p of points) {
    p.x **= 2;
    p.y **= 2;
  }
}

if (isMainModule(import.meta.url)) {
  const lock = new Lock();
  const n = Value('i', 7);
  const flag = Value('?', false, { lock: false });
  const s = sharedctypes.Array<Buffer>('c', 'hello world', { lock });
  const numbers = sharedctypes.Array('i', [0, 1, 2, 3, 4]);
  const points = sharedctypes.Array<Point>(Point, [[1.875, -6.25], [-5.75, 2.0], [2.375, 9.5]], { lock });

  const p = new Process({ module: import.meta.url, export: 'modify', args: [n, flag, s, numbers, points], thread: true });
  p.start();
  await p.join();

  console.log(n.value);
  console.log(flag.value);
  console.log(s.value.toString());
  console.log(`[${numbers.toArray().join(', ')}]`);
  console.log(`[${points.toArray().map((point) => `(${pyFloat(point.x)}, ${pyFloat(point.y)})`).join(', ')}]`);
}

/** A float as Python prints it (4.0, not 4). */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}
