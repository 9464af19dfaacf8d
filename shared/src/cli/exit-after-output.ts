// For the command-line programs (agent and collector), run by Node: not part of the package's main entry.

/**
 * Exits once what was printed has been handed to the system. Writes to a pipe are asynchronous:
 * `process.exit` right after a large `console.log` drops what the pipe had not taken yet
 * (`vigie-agent inventory --json | jq` got the first 65,536 bytes). A write's callback runs once
 * every write before it is done, so an empty write on each stream marks the end of the output.
 */
export function exitAfterOutput(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
