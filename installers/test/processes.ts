// Process helpers for the installer tests: the generic ones come from @vigie/testkit.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export { freePort, type Proc, startProcess, waitFor } from '@vigie/testkit';

const execFileAsync = promisify(execFile);

export async function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 * 2 ** 20 });
  return stdout;
}
