import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VigieError } from '@vigie/shared';
import { enroll } from './enroll.js';
import { createLog, type LogLevel } from './log.js';
import { collectInventoryDetailed } from './probes/inventory/index.js';
import { MetricsSampler } from './probes/metrics/index.js';
import { writeCeilingFile } from './remote/ceiling.js';
import { remotePlatform } from './remote/platform.js';
import { AgentRuntime } from './runtime.js';
import { type Credential, collectorUrls, defaultStateDir, loadCredential, saveCredential } from './state.js';
import { allTls, needsPlainOptIn, parseCollectorUrls } from './transport/collector-urls.js';
import { Spool } from './transport/spool.js';
import { watchUpdate } from './update/watchdog.js';
import { VERSION_LINE } from './version.js';

const USAGE = `${VERSION_LINE}

Usage: vigie-agent <command> [options]
  enroll --url <collector URL> [--collector <URL>]... (--token-file <file> | env VIGIE_ENROLL_TOKEN | --token <token>)
         [--allow-plain]
                         exchange a site enrollment token for this agent's credential; several
                         collectors (repeated, or separated by commas), primary first, for fail-over
  collectors [set <URL>... [--allow-plain]]
                         print the collectors this agent fails over between, or replace the list
                         (primary first; http(s) or ws(s), all with TLS or all without)
                         --allow-plain: plain http/ws to another machine than this one (a closed lab;
                         kept in the credential); without it only loopback may be plain
  run                    run the agent (spool, metrics, inventory, connection)
  update-watch           watch a self-update in progress; put the previous executable back if the
                         new one is not healthy in time (started by the agent itself)
  remote-ceiling [off|actions|scripts]
                         write this machine's local ceiling of remote intervention (installers run
                         it as root/Administrator); with no level, write the default only if none is set
  inventory --json       print the full inventory once and exit
  metrics --json         print one metrics sample set and exit
  spool [--json]         what the spool holds and lost: frames produced, acknowledged, pending, dropped
                         (size limit), not written (disk full), in doubt (only while the agent is stopped)
  --version              print the version and the protocol

Options: --state-dir <dir> (default ${defaultStateDir()}), --log-level debug|info|warn|error,
         --spool-max-bytes <n> (default 64 MiB), --spool-segment-bytes <n> (default 1 MiB),
         --ceiling-file <file> (remote intervention's local ceiling, default ${remotePlatform().defaultCeilingFile()})
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', multiple: true },
      collector: { type: 'string', multiple: true },
      token: { type: 'string' },
      'allow-plain': { type: 'boolean', default: false },
      'token-file': { type: 'string' },
      'state-dir': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      json: { type: 'boolean', default: false },
      'spool-max-bytes': { type: 'string' },
      'spool-segment-bytes': { type: 'string' },
      'ceiling-file': { type: 'string' },
      version: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const stateDir = values['state-dir'] ?? defaultStateDir();
  const log = createLog(values['log-level'] as LogLevel);
  const cmd = positionals[0];
  if (values.version) {
    console.log(VERSION_LINE);
    return 0;
  }
  switch (cmd) {
    case 'enroll': {
      // The token is read from a file or the environment so it stays out of shell history and process lists.
      const token = values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : (process.env.VIGIE_ENROLL_TOKEN ?? values.token);
      const given = [...(values.url ?? []), ...(values.collector ?? [])];
      if (given.length === 0 || !token) {
        console.error('enroll needs --url and a token (--token-file, VIGIE_ENROLL_TOKEN or --token)');
        return 2;
      }
      // Checked before anything is collected or sent.
      const allowPlain = values['allow-plain'];
      const urls = parseCollectorUrls(given, { allowPlain });
      const inv = await collectInventoryDetailed().catch(() => undefined);
      const cred = await enroll({
        urls,
        token,
        stateDir,
        allowPlain,
        facts: { serial: inv?.inventory.system.serial, machineUuid: inv?.inventory.system.uuid },
      });
      console.log(`enrolled as agent ${cred.agentId} (device ${cred.deviceId}); credential in ${stateDir}`);
      if (urls.length > 1) console.log(`collectors: ${urls.join(', ')} (primary first)`);
      return 0;
    }
    case 'collectors': {
      const credential = await enrolledCredential(stateDir);
      if (!credential) return 3;
      let shown = collectorUrls(credential);
      if (positionals[1] === 'set') {
        const allowPlain = values['allow-plain'];
        const urls = parseCollectorUrls([...positionals.slice(2), ...(values.collector ?? [])], { allowPlain });
        if (allTls(collectorUrls(credential)) && !allTls(urls) && !allowPlain) {
          throw new VigieError(
            'AGENT_COLLECTOR_URL_INVALID',
            `collectors: the list uses TLS and the new one does not (${urls.find((u) => u.startsWith('http:'))}): the agent's credential would travel unencrypted; give https/wss, or --allow-plain`,
          );
        }
        // The opt-in is the one of this command: a later list without it loses it.
        const { allowPlain: _previous, ...rest } = credential;
        // Read by the agent at its next start (the service is restarted by whoever changes the list).
        await saveCredential(stateDir, { ...rest, url: urls[0]!, urls, ...(needsPlainOptIn(urls, allowPlain) ? { allowPlain: true } : {}) });
        shown = urls;
      } else if (positionals[1] !== undefined) {
        console.error(`collectors: unknown action ${JSON.stringify(positionals[1])} (expected: set <URL>...)`);
        return 2;
      }
      console.log(values.json ? JSON.stringify({ collectors: shown }) : shown.map((u, i) => `${u}${i === 0 ? ' (primary)' : ''}`).join('\n'));
      return 0;
    }
    case 'run': {
      const credential = await enrolledCredential(stateDir);
      if (!credential) return 3;
      const spool = {
        ...(values['spool-max-bytes'] ? { maxBytes: Number(values['spool-max-bytes']) } : {}),
        ...(values['spool-segment-bytes'] ? { segmentBytes: Number(values['spool-segment-bytes']) } : {}),
      };
      const ceilingFile = values['ceiling-file'];
      const runtime = new AgentRuntime({ stateDir, credential, log, spool, ...(ceilingFile ? { ceilingFile } : {}) });
      await runtime.start();
      const restart = await new Promise<boolean>((resolve) => {
        const stop = () => resolve(false);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        void runtime.restartRequested.then(() => resolve(true));
      });
      await runtime.stop();
      // A self-update: the service manager starts the executable again, which is now the new one.
      if (restart) log.info('exiting for the new version to start');
      return 0;
    }
    case 'update-watch': {
      // Run from the previous executable, outside the agent's process tree (see update/watchdog.ts).
      return watchUpdate(stateDir, log);
    }
    case 'remote-ceiling': {
      const file = values['ceiling-file'] ?? remotePlatform().defaultCeilingFile();
      const r = await writeCeilingFile(file, positionals[1]);
      console.log(r.written ? `local ceiling "${r.ceiling}" written to ${file}` : `local ceiling kept as it is in ${file}`);
      return 0;
    }
    case 'inventory': {
      const { inventory, warnings } = await collectInventoryDetailed();
      for (const w of warnings) log.warn(w);
      console.log(values.json ? JSON.stringify(inventory, null, 2) : summary(inventory));
      return 0;
    }
    case 'spool': {
      const spool = await Spool.open({ dir: join(stateDir, 'spool'), onWarn: (m) => log.warn(m) });
      const stats = spool.stats();
      const drops = spool.report().drops ?? [];
      await spool.close();
      const produced = stats.nextSeq - 1;
      console.log(
        values.json
          ? JSON.stringify({ produced, ...stats, drops })
          : [
              `frames produced: ${produced} (acknowledged up to seq ${stats.ackedSeq})`,
              `pending: ${stats.pendingFrames} (${stats.pendingBytes} bytes); kept after acknowledgement: ${stats.windowFrames}`,
              `lost: ${stats.droppedFrames} dropped by the size limit, ${stats.unspooledFrames} not written (disk full); in doubt: ${stats.inDoubtFrames}`,
            ].join('\n'),
      );
      return 0;
    }
    case 'metrics': {
      const sampler = new MetricsSampler();
      await sampler.prime();
      await new Promise((r) => setTimeout(r, 1000));
      const sample = { ts: Date.now(), values: await sampler.sample() };
      console.log(
        values.json
          ? JSON.stringify(sample, null, 2)
          : Object.entries(sample.values)
              .map(([k, v]) => `${k} ${v}`)
              .join('\n'),
      );
      return 0;
    }
    default:
      console.log(USAGE);
      return values.help || cmd === undefined ? 0 : 2;
  }
}

function summary(inv: Awaited<ReturnType<typeof collectInventoryDetailed>>['inventory']): string {
  return [
    `${inv.os.hostname} — ${[inv.os.distro, inv.os.release].filter(Boolean).join(' ')} (${inv.os.arch ?? ''})`,
    `${inv.system.manufacturer ?? '?'} ${inv.system.model ?? ''}, serial ${inv.system.serial ?? '?'}`,
    `CPU ${inv.cpu.brand ?? '?'} × ${inv.cpu.cores ?? '?'}; memory ${Math.round((inv.memory.totalBytes ?? 0) / 2 ** 30)} GiB`,
    `${inv.disks.length} disks, ${inv.filesystems.length} filesystems, ${inv.network.length} interfaces, ${inv.software.length} software packages`,
  ].join('\n');
}

/** The agent's credential, or undefined after saying that the agent is not enrolled. */
async function enrolledCredential(stateDir: string): Promise<Credential | undefined> {
  const credential = await loadCredential(stateDir);
  if (!credential) console.error(`not enrolled: no credential in ${stateDir}; run \`vigie-agent enroll\` first`);
  return credential;
}
