import { Badge, Empty } from '../../components/ui.js';
import { currentLang, fmt, t, tOr } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { CommandView } from './types.js';

const BADGE: Record<string, string> = { succeeded: 'ok', failed: 'critical', refused: 'critical', expired: 'warning', cancelled: 'unknown' };

export const actionLabel = (c: Pick<CommandView, 'action' | 'script'>) =>
  c.script ? `${t('command.action.script')} ${quoted(c.script.name)} v${c.script.version}` : tOr(`command.action.${c.action}`, c.action);

/** « name » in French (no-break spaces inside), "name" in English. */
const quoted = (s: string) => (currentLang() === 'fr' ? `«\u00a0${s}\u00a0»` : `“${s}”`);

/** How it ended, in words: exit code and duration, or the agent's reason for refusing. */
export function resultText(c: CommandView): string {
  if (c.error) return tOr(`remote.code.${c.error.code}`, c.error.message);
  if (c.exitCode !== null) return `${t('command.exitCode', { code: c.exitCode })}${c.durationMs !== null ? `, ${fmt.number(c.durationMs / 1000)} s` : ''}`;
  return '';
}

/** Remote actions, newest first: on the device page, the history page and the client's portal. */
export function CommandTable({ commands, showDevice, onSelect }: { commands: CommandView[]; showDevice?: boolean; onSelect?: (c: CommandView) => void }) {
  if (commands.length === 0) return <Empty text={t('command.none')} />;
  return (
    <table class="table compact" data-testid="command-table">
      <thead>
        <tr>
          <th>{t('command.when')}</th>
          {showDevice && <th>{t('command.device')}</th>}
          <th>{t('command.what')}</th>
          <th>{t('command.by')}</th>
          <th>{t('command.state')}</th>
          <th>{t('command.result')}</th>
        </tr>
      </thead>
      <tbody>
        {commands.map((c) => (
          <tr data-command={c.id} data-state={c.state}>
            <td>{fmt.dateTime(c.createdAt)}</td>
            {showDevice && (
              <td>
                <a href={href(`/devices/${c.deviceId}`)}>{c.hostname}</a>
              </td>
            )}
            <td>
              {onSelect ? (
                <button type="button" class="link" onClick={() => onSelect(c)}>
                  {actionLabel(c)}
                </button>
              ) : (
                actionLabel(c)
              )}
            </td>
            <td>{c.issuedBy}</td>
            <td>
              <Badge kind={`state-${BADGE[c.state] ?? 'unknown'}`}>{tOr(`command.state.${c.state}`, c.state)}</Badge>
            </td>
            <td class="ellipsis">{resultText(c)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
