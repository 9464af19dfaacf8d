import { addDays, daysBetween, describeCheck, parisDate, parseSeriesKey } from '@vigie/shared';
import { sql } from 'kysely';
import { openMaintenanceWindow } from '../incidents/maintenance.js';
import type { IncidentService } from '../incidents/service.js';
import type { MetricStore } from '../store/metric-store.js';
import type { RelationalStore } from '../store/relational-store.js';
import { DEFAULT_RULES } from './defaults.js';
import { initialState, isQuiet, type RuleState, step, type ThresholdParams, type Transition, thresholdBreached } from './evaluate.js';

interface Rule {
  id: number;
  key: string | null;
  name: string;
  type: 'threshold' | 'absence' | 'check' | 'warranty';
  severity: 'warning' | 'critical';
  params: Record<string, unknown>;
}

interface DeviceRow {
  id: number;
  client_id: number;
  site_id: number;
  hostname: string;
  last_seen_at: number | null;
  created_at: number;
  agent_id: string | null;
}

interface Observation {
  rule: Rule;
  device: DeviceRow;
  target: string;
  condition: boolean;
  message: string;
}

const STATUS_RANK: Record<string, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

export interface EngineOptions {
  /** Agents of one site lost at once from which it is one site incident (count and share). */
  siteOutageMinAgents: number;
  siteOutageMinShare: number;
  isConnected: (agentId: string) => boolean;
  /** Where failed evaluations and incident writes are reported. */
  log: { error(details: Record<string, unknown>, message: string): void };
}

/** Counters for `/metrics`. */
export interface RuleEngineStats {
  evaluations: number;
  /** Rounds that could not run at all (the store could not be read). */
  evaluationFailures: number;
  /** Incident writes (open, recovery, flapping) that failed; each is retried at the next evaluation. */
  incidentWriteFailures: number;
}

/**
 * Evaluates the rules over what the collector knows now (newest samples, check states, agents'
 * last contact), keeps each (rule, device, target)'s state, and turns transitions into incidents.
 * A state changes only once the incident write it stands for has committed: a write that fails is
 * logged, counted, and attempted again at the next evaluation (the state still says it is due).
 */
export class RuleEngine {
  private readonly states = new Map<string, RuleState>();
  private readonly keyTargets = new Map<string, { name: string; target: string }>();
  readonly stats: RuleEngineStats = { evaluations: 0, evaluationFailures: 0, incidentWriteFailures: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: RelationalStore,
    private readonly metrics: MetricStore,
    private readonly incidents: IncidentService,
    private readonly opts: EngineOptions,
  ) {}

  /** Creates the default rules that do not exist yet (by key), enabled. */
  async ensureDefaults(): Promise<void> {
    const now = Date.now();
    // One statement; a key already there (created earlier, or by another collector meanwhile) is left as it is.
    await this.db.kysely
      .insertInto('rules')
      .values(
        DEFAULT_RULES.map((r) => ({
          key: r.key,
          name: r.name,
          type: r.type,
          severity: r.severity,
          enabled: 1,
          params: JSON.stringify(r.params),
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.evaluate(Date.now())
        .catch((err: unknown) => {
          this.stats.evaluationFailures++;
          this.opts.log.error({ err }, 'rules evaluation failed; next round in the next interval');
        })
        .finally(() => {
          this.running = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async rules(): Promise<Rule[]> {
    const rows = await this.db.kysely
      .selectFrom('rules')
      .select(['id', 'key', 'name', 'type', 'severity', 'params'])
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      ...r,
      type: r.type as Rule['type'],
      severity: r.severity as Rule['severity'],
      params: JSON.parse(r.params) as Record<string, unknown>,
    }));
  }

  private async inMaintenance(d: DeviceRow, now: number): Promise<boolean> {
    return (await openMaintenanceWindow(this.db.kysely, d, now)) !== undefined;
  }

  /**
   * A series key's metric name and rule target (its labels), parsed once: every agent sends the
   * same few dozen keys, and parsing them all each round was the bulk of what a round allocated.
   */
  private keyTarget(key: string): { name: string; target: string } {
    let t = this.keyTargets.get(key);
    if (!t) {
      const sk = parseSeriesKey(key);
      const labels = Object.entries(sk.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      t = { name: sk.name, target: labels || sk.name };
      if (this.keyTargets.size >= 100_000) this.keyTargets.clear();
      this.keyTargets.set(key, t);
    }
    return t;
  }

  private async observe(now: number): Promise<Observation[]> {
    const rules = await this.rules();
    const devices: DeviceRow[] = await this.db.kysely
      .selectFrom('devices as d')
      .leftJoin('agents as a', (j) => j.onRef('a.device_id', '=', 'd.id').on('a.revoked_at', 'is', null))
      .select(['d.id', 'd.client_id', 'd.site_id', 'd.hostname', 'd.last_seen_at', 'd.created_at', 'a.id as agent_id'])
      .orderBy('d.id')
      .orderBy('a.id')
      .execute();
    const byId = new Map(devices.map((d) => [d.id, d]));
    const out: Observation[] = [];
    for (const rule of rules) {
      if (rule.type === 'absence') {
        const minutes = Number(rule.params.minutes ?? 10);
        for (const d of devices) {
          if (!d.agent_id) continue;
          const last = d.last_seen_at ?? d.created_at;
          const silent = !this.opts.isConnected(d.agent_id) && now - last > minutes * 60_000;
          // The message serves an opening or a closing only: not built for the thousands of quiet agents each round.
          const needed = silent || this.states.get(stateKey(rule.id, d.id, 'agent'))?.firing;
          out.push({
            rule,
            device: d,
            target: 'agent',
            condition: silent,
            message: needed ? `L'agent de ${d.hostname} ne répond plus depuis ${Math.round((now - last) / 60_000)} min` : '',
          });
        }
      } else if (rule.type === 'threshold') {
        const p = rule.params as unknown as ThresholdParams;
        for (const [deviceId, sample] of this.metrics.newestSamples()) {
          const d = byId.get(deviceId);
          if (!d) continue;
          for (const key in sample.values) {
            const { name, target } = this.keyTarget(key);
            if (name !== p.metric) continue;
            const value = sample.values[key]!;
            const state = this.states.get(stateKey(rule.id, d.id, target));
            const condition = thresholdBreached(p, value, state?.firing ?? false);
            // Not breached and nothing pending, firing or flapping: no transition can come of it.
            if (!condition && (!state || isQuiet(state))) continue;
            out.push({
              rule,
              device: d,
              target,
              condition,
              message: `${rule.name} : ${p.metric} ${target !== p.metric ? `(${target}) ` : ''}à ${Math.round(value * 10) / 10} sur ${d.hostname}`,
            });
          }
        }
      } else if (rule.type === 'warranty') {
        const days = Number(rule.params.days ?? 90);
        const today = parisDate(now);
        const limit = addDays(today, days);
        // Items matched to a device by serial are that device's; the others are the client's (device 0).
        // Plain SQL both engines run alike (COALESCE, upper, trim, scalar subqueries).
        const { rows: items } = await sql<{
          id: number;
          client_id: number;
          description: string;
          serial: string | null;
          warranty_end: string;
          device_id: number | null;
          hostname: string | null;
          site_id: number | null;
        }>`SELECT s.id, s.client_id, s.description, s.serial, s.warranty_end, d.id AS device_id, d.hostname,
               COALESCE(s.site_id, d.site_id, (SELECT MIN(id) FROM sites WHERE client_id = s.client_id)) AS site_id
             FROM supplied_items s
             LEFT JOIN devices d ON d.id = (SELECT x.id FROM devices x WHERE x.client_id = s.client_id AND s.serial_key IS NOT NULL AND upper(trim(x.serial)) = s.serial_key ORDER BY x.id LIMIT 1)
             WHERE s.retired_on IS NULL AND s.warranty_months > 0
             ORDER BY s.id`.execute(this.db.kysely);
        for (const it of items) {
          if (it.site_id === null) continue;
          const device =
            (it.device_id !== null ? byId.get(it.device_id) : undefined) ??
            ({
              id: 0,
              client_id: it.client_id,
              site_id: it.site_id,
              hostname: it.description,
              last_seen_at: null,
              created_at: 0,
              agent_id: null,
            } satisfies DeviceRow);
          const left = daysBetween(today, it.warranty_end);
          const what = `« ${it.description} »${it.serial ? ` (n° ${it.serial})` : ''}${it.hostname ? ` sur ${it.hostname}` : ''}`;
          out.push({
            rule,
            device,
            target: `item:${it.id}`,
            condition: it.warranty_end <= limit,
            message:
              left >= 0
                ? `Garantie de ${what} : fin le ${it.warranty_end}, dans ${left} jour${left > 1 ? 's' : ''}`
                : `Garantie de ${what} terminée depuis le ${it.warranty_end}`,
          });
        }
      } else if (rule.type === 'check') {
        const check = rule.params.check as string | undefined;
        const codes = rule.params.codes as string[] | undefined;
        const min = STATUS_RANK[String(rule.params.minStatus ?? 'warning')] ?? 2;
        const rows = await this.db.kysely
          .selectFrom('check_state')
          .select(['device_id', 'check', 'target', 'status', 'code', 'message', 'values'])
          .$if(check !== undefined, (q) => q.where('check', '=', check!))
          .orderBy('device_id')
          .orderBy('check')
          .orderBy('target')
          .execute();
        for (const r of rows) {
          const d = byId.get(r.device_id);
          if (!d) continue;
          const condition = (STATUS_RANK[r.status] ?? 0) >= min && (!codes || codes.includes(r.code));
          // Tickets are French (the provider's and the client's language): the catalogue's sentence, else the agent's words.
          const text = describeCheck({ ...r, values: parseValues(r.values) }, 'fr') ?? r.message;
          out.push({ rule, device: d, target: `${r.check}:${r.target}`, condition, message: `${text} (${d.hostname})` });
        }
      }
    }
    return out;
  }

  /**
   * One evaluation round at `now`. Throws only when the store cannot be read at all; a failed
   * incident write is logged and counted and its state left as it was, to be retried next round.
   */
  async evaluate(now: number): Promise<void> {
    this.stats.evaluations++;
    const obs = await this.observe(now);
    // A site losing many agents at once (its Internet link): one site incident, not one per machine.
    const outageSites = this.siteOutages(obs);
    for (const o of obs) {
      const key = stateKey(o.rule.id, o.device.id, o.target);
      const forMs = o.rule.type === 'threshold' ? Number(o.rule.params.forSec ?? 0) * 1000 : 0;
      const { state, transition } = step(this.states.get(key) ?? initialState(), o.condition, now, forMs);
      const fingerprint = `${o.device.client_id}:${o.device.id}:${o.rule.id}:${o.target}`;
      await this.advance(key, state, transition, fingerprint, async () => {
        if (transition === 'open') {
          const siteWide = o.rule.type === 'absence' && outageSites.has(o.device.site_id);
          const suppressed = (await this.inMaintenance(o.device, now)) ? 'maintenance' : siteWide ? 'site-outage' : undefined;
          await this.incidents.opened(
            {
              fingerprint,
              clientId: o.device.client_id,
              siteId: o.device.site_id,
              deviceId: o.device.id > 0 ? o.device.id : null,
              ruleId: o.rule.id,
              target: o.target,
              severity: o.rule.severity,
              message: o.message,
            },
            now,
            suppressed,
          );
        } else if (transition === 'close') await this.incidents.recovered(fingerprint, o.message, now);
        else await this.incidents.flapping(fingerprint, now, transition === 'flapping');
      });
    }
    for (const [siteId, info] of outageSites) {
      const fingerprint = `${info.clientId}:site-${siteId}:${info.ruleId}:site`;
      const key = `site|${siteId}|${info.ruleId}`;
      const { state, transition } = step(this.states.get(key) ?? initialState(), true, now, 0);
      await this.advance(key, state, transition === 'open' ? transition : null, fingerprint, () =>
        this.incidents.opened(
          {
            fingerprint,
            clientId: info.clientId,
            siteId,
            deviceId: null,
            ruleId: info.ruleId,
            target: 'site',
            severity: 'critical',
            message: `Site injoignable : ${info.down} agents sur ${info.total} ne répondent plus (lien Internet ?)`,
          },
          now,
        ),
      );
    }
    for (const [key, current] of this.states) {
      if (!key.startsWith('site|') || !current.firing) continue;
      const [, siteId, ruleId] = key.split('|');
      if (outageSites.has(Number(siteId))) continue;
      const { state, transition } = step(current, false, now, 0);
      const clientId = (await this.db.kysely.selectFrom('sites').select('client_id').where('id', '=', Number(siteId)).executeTakeFirst())?.client_id;
      const fingerprint = `${clientId}:site-${siteId}:${ruleId}:site`;
      await this.advance(key, state, transition === 'close' && clientId !== undefined ? transition : null, fingerprint, () =>
        this.incidents.recovered(fingerprint, 'les agents du site répondent de nouveau', now),
      );
    }
    try {
      await this.incidents.settle(now);
    } catch (err) {
      this.stats.incidentWriteFailures++;
      this.opts.log.error({ err }, 'resolving the incidents past their quiet period failed; retried at the next evaluation');
    }
  }

  /**
   * Keeps `state` for `key` once `write` (the transition's incident write) has committed, or at once
   * when there is nothing to write. A failed write leaves the previous state: the same transition
   * comes again at the next evaluation.
   */
  private async advance(key: string, state: RuleState, transition: Transition, fingerprint: string, write: () => Promise<void>): Promise<void> {
    if (transition === null) {
      this.states.set(key, state);
      return;
    }
    try {
      await write();
      this.states.set(key, state);
    } catch (err) {
      this.stats.incidentWriteFailures++;
      this.opts.log.error({ err, fingerprint, transition }, 'incident not written; retried at the next evaluation');
    }
  }

  private siteOutages(obs: Observation[]): Map<number, { clientId: number; ruleId: number; down: number; total: number }> {
    const perSite = new Map<number, { clientId: number; ruleId: number; down: number; total: number }>();
    for (const o of obs) {
      if (o.rule.type !== 'absence') continue;
      const s = perSite.get(o.device.site_id) ?? { clientId: o.device.client_id, ruleId: o.rule.id, down: 0, total: 0 };
      s.total++;
      if (o.condition) s.down++;
      perSite.set(o.device.site_id, s);
    }
    for (const [id, s] of perSite) if (s.down < this.opts.siteOutageMinAgents || s.down / s.total < this.opts.siteOutageMinShare) perSite.delete(id);
    return perSite;
  }
}

const stateKey = (ruleId: number, deviceId: number, target: string) => `${ruleId}|${deviceId}|${target}`;

function parseValues(json: string | null): Record<string, unknown> | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
}
