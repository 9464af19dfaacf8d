import { exitAfterOutput } from '@vigie/shared/cli';
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => exitAfterOutput(code),
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    exitAfterOutput(1);
  },
);
