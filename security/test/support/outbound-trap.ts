import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';

/**
 * Stands where cloud metadata services stand, on the namespace's loopback (run.mjs put their
 * addresses there): HTTP on port 80, UDP on 161 (SNMP) and 53 (DNS). Every connection, request or
 * datagram that reaches them is a hit. nftables counts every packet sent to them besides, whatever
 * its protocol (ICMP of a ping included).
 */
export class MetadataTrap {
  readonly hits: string[] = [];
  private servers: Server[] = [];
  private sockets: Socket[] = [];
  readonly addresses = (process.env.VIGIE_SEC_METADATA ?? '').split(',').filter(Boolean);

  async start(): Promise<void> {
    if (this.addresses.length === 0) throw new Error('VIGIE_SEC_METADATA is empty: run the suite through run.mjs');
    for (const address of this.addresses) {
      const server = createServer((req, res) => {
        this.hits.push(`http ${address} ${req.method} ${req.url}`);
        res.end('{"AccessKeyId":"ASIA-TRAP"}');
      });
      server.on('connection', () => this.hits.push(`tcp ${address}:80`));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(80, address, () => resolve());
      });
      this.servers.push(server);
      for (const port of [161, 53]) {
        const sock = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
        sock.on('message', (_m, from) => this.hits.push(`udp ${address}:${port} from ${from.address}`));
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject);
          sock.bind(port, address, () => resolve());
        });
        this.sockets.push(sock);
      }
    }
    nft(['add', 'table', 'inet', 'vigie_sec']);
    nft(['add', 'chain', 'inet', 'vigie_sec', 'out', '{ type filter hook output priority 0 ; }']);
    nft(['add', 'counter', 'inet', 'vigie_sec', 'linklocal4']);
    nft(['add', 'rule', 'inet', 'vigie_sec', 'out', 'ip', 'daddr', '169.254.0.0/16', 'counter', 'name', 'linklocal4']);
    this.addresses.forEach((a, i) => {
      nft(['add', 'counter', 'inet', 'vigie_sec', `meta${i}`]);
      nft(['add', 'rule', 'inet', 'vigie_sec', 'out', isIP(a) === 6 ? 'ip6' : 'ip', 'daddr', a, 'counter', 'name', `meta${i}`]);
    });
  }

  /** Packets sent to a metadata (or any link-local IPv4) address since start, per counter. */
  packets(): Record<string, number> {
    const out = JSON.parse(nft(['-j', 'list', 'counters', 'table', 'inet', 'vigie_sec'])) as {
      nftables: { counter?: { name: string; packets: number } }[];
    };
    const byName: Record<string, number> = {};
    for (const e of out.nftables) if (e.counter) byName[e.counter.name] = e.counter.packets;
    const named: Record<string, number> = { '169.254.0.0/16': byName.linklocal4 ?? 0 };
    this.addresses.forEach((a, i) => {
      named[a] = byName[`meta${i}`] ?? 0;
    });
    return named;
  }

  total(): number {
    return Object.values(this.packets()).reduce((a, b) => a + b, 0) + this.hits.length;
  }

  async stop(): Promise<void> {
    for (const s of this.servers) await new Promise((r) => s.close(r));
    for (const s of this.sockets) s.close();
    nft(['delete', 'table', 'inet', 'vigie_sec']);
  }
}

function nft(args: string[]): string {
  return execFileSync('nft', args, { encoding: 'utf8' });
}

/**
 * A DNS server on 127.0.0.1:53 (the namespace's resolv.conf points there) for one name that answers
 * a safe address to its first question and a metadata address to the next, over and over with a
 * TTL of 0: a probe that resolved twice (check, then connect) would connect to the metadata service.
 */
export class RebindingDns {
  private sock: Socket | undefined;
  queries = 0;

  constructor(
    readonly name: string,
    readonly safe: string,
    readonly evil: string,
  ) {}

  async start(): Promise<void> {
    const sock = createSocket('udp4');
    sock.on('message', (msg, from) => sock.send(this.answer(msg), from.port, from.address));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(53, '127.0.0.1', () => resolve());
    });
    this.sock = sock;
  }

  private answer(q: Buffer): Buffer {
    // Question: QNAME labels from offset 12, then QTYPE and QCLASS.
    let i = 12;
    const labels: string[] = [];
    while (i < q.length && q[i]! > 0) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString('ascii'));
      i += q[i]! + 1;
    }
    const qtype = q.readUInt16BE(i + 1);
    const question = q.subarray(12, i + 5);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2); // id
    const known = labels.join('.').toLowerCase() === this.name;
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    if (!known || qtype !== 1) return Buffer.concat([header, question]);
    const address = this.queries++ % 2 === 0 ? this.safe : this.evil;
    header.writeUInt16BE(1, 6);
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(0, 6); // TTL 0
    rr.writeUInt16BE(4, 10);
    for (const [k, o] of address.split('.').entries()) rr.writeUInt8(Number(o), 12 + k);
    return Buffer.concat([header, question, rr]);
  }

  stop(): void {
    this.sock?.close();
  }
}
