// One long-lived CPython 3.12 per test file that pickles and unpickles in batches: the pickle tests
// spawn python once instead of once per value (about 50 ms each). Requests and answers are JSON lines.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PYTHON312 } from '../connection/python.js';

const SCRIPT = String.raw`
import sys, json, base64, pickle
def sig(o):
    if o is None: return 'N'
    if isinstance(o, bool): return 'b'
    if isinstance(o, int): return 'i'
    if isinstance(o, float): return 'f'
    if isinstance(o, str): return 's'
    if isinstance(o, bytearray): return 'Y'
    if isinstance(o, bytes): return 'y'
    if isinstance(o, tuple): return 't(' + ','.join(sig(x) for x in o) + ')'
    if isinstance(o, list): return 'l[' + ','.join(sig(x) for x in o) + ']'
    if isinstance(o, dict): return 'd{' + ','.join(sig(k) + ':' + sig(v) for k, v in o.items()) + '}'
    if isinstance(o, frozenset): return 'F{' + ','.join(sorted(sig(x) for x in o)) + '}'
    if isinstance(o, set): return 'S{' + ','.join(sorted(sig(x) for x in o)) + '}'
    return type(o).__module__ + '.' + type(o).__qualname__
env = {}
exec('import multiprocessing.managers, queue, threading, collections', env)
for line in sys.stdin:
    req = json.loads(line)
    out = []
    if req['op'] == 'roundtrip':
        for i, item in enumerate(req['items']):
            try:
                obj = pickle.loads(base64.b64decode(item))
                out.append({'sig': sig(obj), 'pickle': base64.b64encode(pickle.dumps(obj, protocol=2 + i % 4)).decode()})
            except Exception as e:
                out.append({'error': repr(e)})
    else:
        for i, expr in enumerate(req['items']):
            obj = eval(expr, env)
            out.append({'pickle': base64.b64encode(pickle.dumps(obj, protocol=req.get('protocol', 4))).decode(), 'repr': repr(obj)})
    print(json.dumps(out), flush=True)
`;

export interface RoundTripped {
  sig?: string;
  pickle?: Uint8Array;
  error?: string;
}

export class PythonPickler {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn(PYTHON312, ['-c', SCRIPT]);
    this.child.stderr.setEncoding('utf8').on('data', (t: string) => (this.stderr += t));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.answers.shift()?.resolve(line));
    this.child.once('exit', () => {
      for (const waiter of this.answers.splice(0)) waiter.reject(new Error(`python exited: ${this.stderr}`));
    });
  }

  private ask(request: unknown): Promise<any[]> {
    return new Promise((resolve, reject) => {
      this.answers.push({ resolve: (line) => resolve(JSON.parse(line) as any[]), reject });
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Python loads each pickle, reports its type signature, and pickles it again (protocols 2, 3, 4, 5 in turn). */
  async roundTrip(pickles: Uint8Array[]): Promise<RoundTripped[]> {
    const answers = await this.ask({ op: 'roundtrip', items: pickles.map((p) => Buffer.from(p).toString('base64')) });
    return answers.map((a: { sig?: string; pickle?: string; error?: string }) => ({
      ...a,
      pickle: a.pickle === undefined ? undefined : new Uint8Array(Buffer.from(a.pickle, 'base64')),
    }));
  }

  /** Pickles of Python expressions (evaluated with multiprocessing.managers, queue, threading, collections imported). */
  async dumps(expressions: string[], protocol = 4): Promise<Uint8Array[]> {
    const answers = await this.ask({ op: 'dumps', items: expressions, protocol });
    return answers.map((a: { pickle: string }) => new Uint8Array(Buffer.from(a.pickle, 'base64')));
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** The signature sig() in the script gives the Python value a JavaScript value is written as. */
export function pySignature(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'boolean':
      return 'b';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER && !Object.is(v, -0) ? 'i' : 'f';
    case 'bigint':
      return 'i';
    case 'string':
      return 's';
  }
  if (v instanceof Uint8Array) return v.constructor.name === 'PyByteArray' ? 'Y' : 'y';
  if (Array.isArray(v)) return Object.isFrozen(v) ? `t(${v.map(pySignature).join(',')})` : `l[${v.map(pySignature).join(',')}]`;
  if (v instanceof Map) return `d{${[...v].map(([k, x]) => `${pySignature(k)}:${pySignature(x)}`).join(',')}}`;
  if (v instanceof Set) return `${Object.isFrozen(v) ? 'F' : 'S'}{${[...v].map(pySignature).sort().join(',')}}`;
  return `d{${Object.entries(v).map(([, x]) => `s:${pySignature(x)}`).join(',')}}`;
}
