// Runs inside a network namespace that has only `lo`: accepts TCP on 127.0.0.1:<port> there and
// carries each connection to a Unix socket, whose other end (in the test process) reaches the real
// server. Unix sockets live in the file system, which namespaces share: nothing here can reach an
// address outside the namespace. Usage: node tcp-to-unix-relay.mjs <port> <socket path>
import { connect, createServer } from 'node:net';

const [port, socketPath] = process.argv.slice(2);
const server = createServer((inbound) => {
  const outbound = connect(socketPath);
  inbound.pipe(outbound).pipe(inbound);
  const end = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', end);
  outbound.on('error', end);
  inbound.on('close', end);
  outbound.on('close', end);
});
server.listen(Number(port), '127.0.0.1', () => console.log(`relay listening on 127.0.0.1:${port}`));
