import type { FlowBucket } from '@vigie/shared';
import type { Seeded } from './seed.js';
import { SiteAgent } from './site-agent.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const zero = { bytes: 0, packets: 0, flows: 0 };
const ROUTER = '192.168.10.1';

/** What the network page must show, computed here from what was sent. */
export interface NetworkSeed {
  /** Bytes of the minute buckets (the last two hours). */
  recentBytes: number;
  /** Bytes of the hourly buckets two to four days ago. */
  olderBytes: number;
  /** The busiest minute, bit/s. */
  peakBps: number;
  hourlyBuckets: number;
}

type Talk = { src: string; dst: string; service: string; protocol: [number, string]; bytes: number };

/** One bucket of the router's flows: each talk from `src` to `dst`, all out through the WAN interface (ifIndex 1). */
function bucket(start: number, end: number, talks: Talk[]): FlowBucket {
  const tot = (bytes: number) => ({ bytes, packets: Math.ceil(bytes / 1000), flows: 2 });
  const sum = (key: (x: Talk) => string) => {
    const m = new Map<string, number>();
    for (const x of talks) m.set(key(x), (m.get(key(x)) ?? 0) + x.bytes);
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  const all = talks.reduce((n, x) => n + x.bytes, 0);
  const total = { bytes: all, packets: talks.reduce((n, x) => n + tot(x.bytes).packets, 0), flows: talks.length * 2 };
  return {
    exporter: ROUTER,
    summary: {
      start,
      end,
      total,
      direction: { inbound: zero, outbound: total, internal: zero, transit: zero },
      topSources: sum((x) => x.src).map(([host, b]) => ({ host, ...tot(b) })),
      otherSources: zero,
      topDestinations: sum((x) => x.dst).map(([host, b]) => ({ host, ...tot(b) })),
      otherDestinations: zero,
      topConversations: talks.map((x) => ({ a: x.src, b: x.dst, ...tot(x.bytes) })),
      otherConversations: zero,
      protocols: sum((x) => x.protocol.join(':')).map(([p, b]) => ({ protocol: Number(p.split(':')[0]), name: p.split(':')[1]!, ...tot(b) })),
      services: sum((x) => x.service).map(([service, b]) => ({ service, ...tot(b) })),
      clockAdjustedFlows: 0,
    },
    interfaces: [{ index: 1, inBytes: 0, inPackets: 0, outBytes: all, outPackets: total.packets }],
  };
}

/**
 * Acme's head office as its site agent reports it over the real agent channel: a router, a printer
 * with a nearly empty black toner and a UPS on battery (site-devices, then metrics and checks with a
 * `device` key), two hours of per-minute flows and three days of older hourly flows.
 */
export async function seedNetwork(s: Seeded): Promise<NetworkSeed> {
  const agent = await SiteAgent.connect(s, s.acme.siteId, 'acme-site-agent');
  const now = Date.now();
  try {
    await agent.send('site-devices', {
      devices: [
        {
          key: `snmp:${ROUTER}`,
          address: ROUTER,
          kind: 'network',
          name: 'RTR-SIEGE',
          description: 'Cisco ISR 1111',
          serials: [],
          reachable: true,
          observedAt: now,
        },
        {
          key: 'snmp:192.168.10.20',
          address: '192.168.10.20',
          kind: 'printer',
          name: 'IMP-COMPTA',
          description: 'HP LaserJet M507',
          location: 'Bureau comptabilité, 1er étage',
          contact: 'Jeanne Martin <compta@acme.test>',
          serials: [{ serial: 'PHBQL12345', class: 'chassis' }],
          reachable: true,
          observedAt: now,
        },
        {
          key: 'snmp:192.168.10.30',
          address: '192.168.10.30',
          kind: 'ups',
          name: 'ONDULEUR-BAIE',
          description: 'APC Smart-UPS 1500',
          serials: [],
          reachable: true,
          observedAt: now,
        },
      ],
    });

    // Two hours of interface rates, one sample a minute; the last one is exact for the table.
    const samples: { ts: number; values: Record<string, number> }[] = [];
    for (let i = 120; i >= 0; i--) {
      const ts = now - i * MINUTE;
      const wave = Math.sin(i / 10);
      samples.push({
        ts,
        values:
          i === 0
            ? {
                'net_if_in_bps{if=Gi0/0}': 45_200_000,
                'net_if_out_bps{if=Gi0/0}': 8_100_000,
                'net_if_in_bps{if=Gi0/1}': 9_000_000,
                'net_if_out_bps{if=Gi0/1}': 38_000_000,
              }
            : {
                'net_if_in_bps{if=Gi0/0}': 40_000_000 + 10_000_000 * wave,
                'net_if_out_bps{if=Gi0/0}': 8_000_000 + 2_000_000 * wave,
                'net_if_in_bps{if=Gi0/1}': 9_000_000 - 1_000_000 * wave,
                'net_if_out_bps{if=Gi0/1}': 36_000_000 - 9_000_000 * wave,
              },
      });
    }
    samples.at(-1)!.values = {
      ...samples.at(-1)!.values,
      'net_if_speed_bps{if=Gi0/0}': 100_000_000,
      'net_if_speed_bps{if=Gi0/1}': 1_000_000_000,
      'net_if_index{if=Gi0/0}': 1,
      'net_if_index{if=Gi0/1}': 2,
      'net_if_oper_up{if=Gi0/0}': 1,
      'net_if_oper_up{if=Gi0/1}': 1,
      snmp_uptime_s: 12 * 86_400,
    };
    await agent.send('metrics', { device: `snmp:${ROUTER}`, samples });
    await agent.send('metrics', {
      device: 'snmp:192.168.10.20',
      samples: [{ ts: now, values: { 'printer_supply_pct{supply=Black Toner}': 5, 'printer_supply_pct{supply=Cyan Toner}': 62, printer_page_count: 120_345 } }],
    });
    await agent.send('metrics', {
      device: 'snmp:192.168.10.30',
      samples: [{ ts: now, values: { ups_on_battery: 1, ups_charge_pct: 84, ups_runtime_min: 37, ups_seconds_on_battery: 240 } }],
    });

    const check = (target: string, check: string, status: string, code: string, message: string, values?: Record<string, number | string>) => ({
      check,
      target,
      status,
      code,
      message,
      ...(values ? { values } : {}),
      observedAt: now,
    });
    await agent.send('checks', {
      device: `snmp:${ROUTER}`,
      results: [
        check(`${ROUTER}:161`, 'snmp-reachable', 'ok', 'SNMP_OK', 'répond en SNMP'),
        check(`${ROUTER}:161 if Gi0/0`, 'snmp-interface', 'ok', 'IF_UP', 'Interface Gi0/0 (WAN) : active'),
        check(`${ROUTER}:161 if Gi0/1`, 'snmp-interface', 'ok', 'IF_UP', 'Interface Gi0/1 (LAN) : active'),
      ],
    });
    await agent.send('checks', {
      device: 'snmp:192.168.10.20',
      results: [
        check('192.168.10.20:161', 'snmp-reachable', 'ok', 'SNMP_OK', 'répond en SNMP'),
        check('192.168.10.20:161 supply Black Toner', 'snmp-supply', 'critical', 'SUPPLY_CRITICAL', 'Black Toner: 5 % left', {
          supply: 'Black Toner',
          percent: 5,
        }),
        check('192.168.10.20:161 supply Cyan Toner', 'snmp-supply', 'ok', 'SUPPLY_OK', 'Cyan Toner : 62 %'),
      ],
    });
    await agent.send('checks', {
      device: 'snmp:192.168.10.30',
      results: [check('192.168.10.30:161 ups', 'snmp-ups', 'critical', 'UPS_ON_BATTERY', 'UPS: on battery', { secondsOnBattery: 240 })],
    });

    // Flows: two hours of minute buckets (one busy minute), then hourly buckets two to four days ago.
    const first = Math.floor(now / MINUTE) * MINUTE - 120 * MINUTE;
    const minutes: FlowBucket[] = [];
    let recentBytes = 0;
    let peakBytes = 0;
    for (let i = 0; i < 120; i++) {
      const https = i === 60 ? 30_000_000 : 3_000_000;
      const talks: Talk[] = [
        { src: '192.168.10.11', dst: '203.0.113.5', service: 'https', protocol: [6, 'tcp'], bytes: https },
        { src: '192.168.10.10', dst: '198.51.100.53', service: 'dns', protocol: [17, 'udp'], bytes: 500_000 },
      ];
      minutes.push(bucket(first + i * MINUTE, first + (i + 1) * MINUTE, talks));
      recentBytes += https + 500_000;
      peakBytes = Math.max(peakBytes, https + 500_000);
    }
    await agent.send('flows', { buckets: minutes });
    const olderStart = Math.floor((now - 4 * 86_400_000) / HOUR) * HOUR;
    const hours: FlowBucket[] = [];
    for (let i = 0; i < 48; i++)
      hours.push(
        bucket(olderStart + i * HOUR, olderStart + (i + 1) * HOUR, [
          { src: '192.168.10.12', dst: '192.168.20.5', service: 'smb', protocol: [6, 'tcp'], bytes: 10_000_000 },
        ]),
      );
    await agent.send('flows', { buckets: hours });
    await s.collector.metrics.maintain(Date.now()); // the 5-minute rollups the day view reads
    return { recentBytes, olderBytes: 48 * 10_000_000, peakBps: Math.round((peakBytes * 8 * 1000) / MINUTE), hourlyBuckets: 48 };
  } finally {
    agent.close();
  }
}
