// Child processes run plain JavaScript: lib/ and bench/workers/ are transpiled once per run into a
// temporary directory (module for module, as tsx does; no type check, no bundling). A worker then
// starts in ~0.15 s instead of ~0.7 s under tsx, which is what makes 64 client processes affordable.
// `--tsx` skips this and runs the TypeScript sources through tsx instead.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

/** The directories transpiled, relative to the project root. */
const SOURCE_DIRS = ['lib', 'bench/workers'];

export interface Build {
  /** Where a source file's JavaScript is: `bench/workers/client.ts` → an absolute .js path. */
  scriptFor(relativeSource: string): string;
  /** Removes the temporary directory. */
  remove(): Promise<void>;
}

export async function transpileForChildren(root: string): Promise<Build> {
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mpmanagers-bench-'));
  // Bare imports (@msgpack/msgpack, debug) resolve from the project's node_modules.
  await fs.symlink(path.join(root, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  await fs.writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  for (const dir of SOURCE_DIRS) {
    for (const file of await typeScriptFiles(path.join(root, dir))) {
      const source = await fs.readFile(file, 'utf8');
      const { outputText } = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          // `const enum`s are imported by other modules, each transpiled on its own.
          preserveConstEnums: true,
        },
      });
      const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, outputText);
    }
    // Files read at run time (the dashboard's page) are copied as they are.
    for (const file of await assetFiles(path.join(root, dir))) {
      const target = path.join(outDir, path.relative(root, file));
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(file, target);
    }
  }
  return {
    scriptFor: (relativeSource) => path.join(outDir, relativeSource.replace(/\.ts$/, '.js')),
    remove: () => fs.rm(outDir, { recursive: true, force: true }),
  };
}

/** Runs the sources as they are, through the loader this process runs under (tsx). */
export function sourcesAsTheyAre(root: string): Build {
  return { scriptFor: (relativeSource) => path.join(root, relativeSource), remove: async () => {} };
}

async function assetFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await assetFiles(full)));
    else if (/\.(html|css|js)$/.test(entry.name)) found.push(full);
  }
  return found;
}

async function typeScriptFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await typeScriptFiles(full)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}
