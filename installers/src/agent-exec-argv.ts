/**
 * Node options the agent runs with: the single executable's `execArgv` (see sea.ts), so the
 * systemd unit, the launchd job and the Windows service wrapper, which all start that executable,
 * get them too. The agent works a few milliseconds a minute, which V8's interpreter does well
 * enough; without the optimising (TurboFan, Maglev) and baseline (Sparkplug) compilers their code
 * in the node binary and their compilation memory never become resident: 8–9 MB less RSS on Node 20
 * and 22, measured with `npm run bench -- agent-footprint` (README, Performance). Not `--jitless`: it
 * also turns WebAssembly off, which `fetch` (enrollment) needs for its HTTP parser.
 */
export const AGENT_EXEC_ARGV: readonly string[] = ['--no-opt', '--no-maglev', '--no-sparkplug'];
