import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { fmt, t } from '../../i18n/i18n.js';
import { useLive } from '../../live.js';
import { actionLabel, resultText } from './command-table.js';
import type { CommandView } from './types.js';

const FINAL = new Set(['succeeded', 'failed', 'refused', 'expired', 'cancelled']);

/**
 * A command's output live: chunks pushed over `/api/v1/live` as the agent sends them (ordered by
 * their index, a chunk never shown twice), and its end (exit code, duration or refusal).
 */
export function CommandConsole({ commandId }: { commandId: string | null }) {
  const [cmd, setCmd] = useState<CommandView | null>(null);
  const [chunks, setChunks] = useState<Map<number, string>>(new Map());
  const pre = useRef<HTMLPreElement>(null);
  const load = (id: string) =>
    api<CommandView>(`/api/v1/commands/${id}`).then(
      (c) => setCmd(c),
      (err: Error) => setCmd((old) => old && { ...old, error: { code: 'fetch', message: err.message } }),
    );
  useEffect(() => {
    setChunks(new Map());
    setCmd(null);
    if (commandId) void load(commandId);
  }, [commandId]);
  useLive((m) => {
    const d = m.data as { commandId?: string; index?: number; data?: string; state?: string };
    if (!commandId || d?.commandId !== commandId) return;
    if (m.type === 'command-output' && typeof d.index === 'number') {
      const index = d.index;
      setChunks((old) => (old.has(index) ? old : new Map(old).set(index, d.data ?? '')));
    } else if (m.type === 'command' && d.state) {
      if (FINAL.has(d.state)) void load(commandId);
      else setCmd((old) => old && { ...old, state: d.state! });
    }
  });
  const live = [...chunks.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, s]) => s)
    .join('');
  // Once finished, the stored output is complete; while running, the live chunks are newer.
  const text = cmd && FINAL.has(cmd.state) && (cmd.output ?? '').length >= live.length ? (cmd.output ?? '') : live;
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  if (!commandId) return <p class="muted">{t('intervene.consoleEmpty')}</p>;
  return (
    <div data-testid="console" data-state={cmd?.state ?? ''}>
      {cmd && (
        <p>
          <strong>{actionLabel(cmd)}</strong> · {fmt.dateTime(cmd.createdAt)} ·{' '}
          <span data-testid="console-state">{t(`command.state.${cmd.state}` as never)}</span>
        </p>
      )}
      <pre class="console" ref={pre} data-testid="console-output">
        {text}
      </pre>
      {cmd && FINAL.has(cmd.state) && (
        <p data-testid="console-result" class={cmd.state === 'succeeded' ? 'success' : 'error'}>
          {cmd.exitCode !== null && !cmd.error
            ? t('intervene.exit', { code: cmd.exitCode, duration: `${fmt.number((cmd.durationMs ?? 0) / 1000)} s` })
            : resultText(cmd)}
          {cmd.truncated && ` ${t('intervene.truncated')}`}
        </p>
      )}
    </div>
  );
}
