#!/usr/bin/env node
// snmpd `pass_persist` helper for the tests: serves, under the subtree given as second argument,
// the OIDs of a JSON file ({ "1.3.6.1.2.1.33.1.4.1.0": ["integer", 5], … }). The file is read
// again on every request, so a test changes what the "device" says by rewriting it.
// Protocol (snmpd.conf(5), pass_persist): PING → PONG; get|getnext, OID → OID, type, value or NONE;
// set, OID, value → not-writable.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [file, root = ''] = process.argv.slice(2);
const parse = (oid) => oid.replace(/^\./, '').split('.').filter(Boolean).map(Number);
const rootParts = parse(root);
const compare = (a, b) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};
const underRoot = (parts) => rootParts.every((p, i) => parts[i] === p);

function load() {
  return Object.entries(JSON.parse(readFileSync(file, 'utf8')))
    .map(([oid, [type, value]]) => ({ oid, parts: parse(oid), type, value }))
    .filter((r) => underRoot(r.parts))
    .sort((x, y) => compare(x.parts, y.parts));
}

const answer = (e) => (e ? `.${e.oid}\n${e.type}\n${e.value}\n` : 'NONE\n');
let command = '';
let args = [];
createInterface({ input: process.stdin })
  .on('line', (raw) => {
    const line = raw.trim();
    if (!command) {
      const cmd = line.toLowerCase();
      if (cmd === 'ping') process.stdout.write('PONG\n');
      else if (cmd === 'get' || cmd === 'getnext' || cmd === 'set') command = cmd;
      return;
    }
    args.push(line);
    if (command === 'set' && args.length < 2) return;
    const wanted = parse(args[0] ?? '');
    const rows = load();
    if (command === 'set') process.stdout.write('not-writable\n');
    else if (command === 'get') process.stdout.write(answer(rows.find((r) => compare(r.parts, wanted) === 0)));
    else process.stdout.write(answer(rows.find((r) => compare(r.parts, wanted) > 0)));
    command = '';
    args = [];
  })
  .on('close', () => process.exit(0));
