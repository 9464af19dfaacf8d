import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentFigures, FromFleet, ToFleet } from './fleet-protocol.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fleet-worker.ts');

/** Many real agent runtimes in one child process (see fleet-worker.ts). */
export class Fleet {
  private readonly child: ChildProcess;
  agents: { name: string; agentId: string; deviceId: number }[] = [];

  private constructor() {
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  private request<T extends FromFleet['type']>(msg: ToFleet, reply: T): Promise<Extract<FromFleet, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromFleet) => {
        if (m.type === 'failed') reject(new Error(`fleet: ${m.error}`));
        else if (m.type === reply) resolve(m as Extract<FromFleet, { type: T }>);
        else return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onExit = (code: number | null) => reject(new Error(`fleet process exited (${code})`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(msg);
    });
  }

  /** Enrolls and starts `count` agents with their state under `root`. */
  static async start(o: Omit<Extract<ToFleet, { type: 'start' }>, 'type'>): Promise<Fleet> {
    const fleet = new Fleet();
    fleet.agents = (await fleet.request({ type: 'start', ...o }, 'started')).agents;
    return fleet;
  }

  async status(): Promise<Extract<FromFleet, { type: 'status' }>['agents']> {
    return (await this.request({ type: 'status' }, 'status')).agents;
  }

  /** Stops every agent cleanly and returns their figures. */
  async stop(): Promise<AgentFigures[]> {
    const res = await this.request({ type: 'stop' }, 'stopped');
    return res.agents;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
