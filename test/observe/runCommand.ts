// Runs one command module's main(args) as a process would: `node --import tsx runCommand.ts <module> [args]`.
// The exit code is main's; the tests spawn this to check a command's output, exit code and terminal use.
import { pathToFileURL } from 'node:url';

const [modulePath, ...args] = process.argv.slice(2);
const command = (await import(pathToFileURL(modulePath).href)) as { main(args: string[]): Promise<number> };
process.exitCode = await command.main(args);
