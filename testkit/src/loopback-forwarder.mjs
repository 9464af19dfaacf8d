// Runs inside a network namespace made by IsolatedNetwork: listens on 127.0.0.1:<port> there and
// relays each connection to a Unix socket, behind which the test relays to the same port outside.
import { createConnection, createServer } from 'node:net';

const [port, socket] = process.argv.slice(2);
const server = createServer((inner) => {
  const outer = createConnection(socket);
  inner.pipe(outer).pipe(inner);
  const close = () => {
    inner.destroy();
    outer.destroy();
  };
  inner.on('error', close);
  outer.on('error', close);
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
