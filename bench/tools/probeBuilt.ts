// Runs bench/tools/binaryProbe.ts as the bench runs its workers: transpiled to JavaScript (see
// bench/harness/build.ts), without tsx, whose loader makes a larger heap and so other GC timing.
//   node --import tsx bench/tools/probeBuilt.ts [--probe=loadedProbe] [node flags for the client] -- [probe args]
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { transpileForChildren } from '../harness/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
// Which probe (bench/tools/<name>.ts): binaryProbe unless --probe=<name> comes first.
const probe = args[0]?.startsWith('--probe=') ? args.shift()!.slice('--probe='.length) : 'binaryProbe';
const split = args.indexOf('--');
const nodeFlags = split < 0 ? [] : args.slice(0, split);
const probeArgs = split < 0 ? args : args.slice(split + 1);
const build = await transpileForChildren(root);
try {
  // The probe, and the module the loaded probe loads into both processes.
  for (const name of [probe, 'loadedProbeHook']) {
    const source = path.join(root, `bench/tools/${name}.ts`);
    const { outputText } = ts.transpileModule(await fs.readFile(source, 'utf8'), {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const script = build.scriptFor(`bench/tools/${name}.ts`);
    await fs.mkdir(path.dirname(script), { recursive: true });
    await fs.writeFile(script, outputText);
  }
  spawnSync(process.execPath, [...nodeFlags, build.scriptFor(`bench/tools/${probe}.ts`), ...probeArgs], { stdio: 'inherit' });
} finally {
  await build.remove();
}
