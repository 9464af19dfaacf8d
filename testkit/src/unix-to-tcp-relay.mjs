// Runs inside a network namespace: accepts connections on a Unix socket (a file, which the test's
// namespace sees too) and carries each to <host>:<port> inside the namespace. The test reaches a
// server on a namespace's own address without any link between the namespaces and its own.
// Usage: node unix-to-tcp-relay.mjs <socket path> <host> <port>
import { connect, createServer } from 'node:net';

const [socketPath, host, port] = process.argv.slice(2);
const server = createServer((inbound) => {
  const outbound = connect(Number(port), host);
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
server.listen(socketPath, () => console.log(`relay listening on ${socketPath}`));
