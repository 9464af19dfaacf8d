import { execFile } from 'node:child_process';

export interface RunOptions {
  timeoutMs?: number;
  maxBufferBytes?: number;
}

/** Runs a program with an argument list (never a shell) and resolves with its stdout. */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', windowsHide: true, timeout: options.timeoutMs ?? 60_000, maxBuffer: options.maxBufferBytes ?? 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().slice(0, 300);
          reject(new Error(`${file} failed: ${error.message.split('\n')[0]}${detail ? ` (${detail})` : ''}`, { cause: error }));
          return;
        }
        resolve(stdout);
      },
    );
  });
}
