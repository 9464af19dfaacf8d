import type { TicketStatus } from '../store/schema.js';

/**
 * Ticket statuses and the moves between them: new → acknowledged → in progress → waiting for the
 * client → resolved → closed; a resolved or closed ticket can be reopened (back to in progress).
 */
const NEXT: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['acknowledged', 'in_progress', 'waiting_client', 'resolved', 'closed'],
  acknowledged: ['in_progress', 'waiting_client', 'resolved', 'closed'],
  in_progress: ['waiting_client', 'resolved'],
  waiting_client: ['in_progress', 'resolved'],
  resolved: ['closed', 'in_progress'],
  closed: ['in_progress'],
};

export const TICKET_STATUSES = Object.keys(NEXT) as TicketStatus[];

export function canMove(from: TicketStatus, to: TicketStatus): boolean {
  return NEXT[from].includes(to);
}

/** A move out of resolved or closed is a reopening. */
export function isReopening(from: TicketStatus, to: TicketStatus): boolean {
  return (from === 'resolved' || from === 'closed') && to === 'in_progress';
}

/** The intervention has begun when a technician starts working on it (or resolves it outright). */
export function startsIntervention(to: TicketStatus): boolean {
  return to === 'in_progress' || to === 'resolved';
}

/** Whether the SLA was met: no deadline (programmed) is met; otherwise the intervention began in time. */
export function slaState(deadline: number | null, startedAt: number | null, now: number): 'none' | 'met' | 'missed' | 'running' | 'breached' {
  if (deadline === null) return 'none';
  if (startedAt !== null) return startedAt <= deadline ? 'met' : 'missed';
  return now <= deadline ? 'running' : 'breached';
}
