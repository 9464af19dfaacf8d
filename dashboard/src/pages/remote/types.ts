/** What the collector answers about commands (collector/src/commands/command-service.ts `list`). */
export interface CommandView {
  id: string;
  runId: number | null;
  clientId: number;
  deviceId: number;
  hostname: string;
  action: string;
  args?: Record<string, unknown>;
  script: { name: string; version: number; sha256: string } | null;
  state: string;
  issuedBy: string;
  createdAt: number;
  expiresAt: number;
  finishedAt: number | null;
  exitCode: number | null;
  durationMs: number | null;
  timedOut: boolean;
  truncated: boolean;
  error: { code: string; message: string } | null;
  output?: string;
}

export interface ScriptVersionView {
  id: number;
  scriptId: number;
  name: string;
  version: number;
  language: 'sh' | 'bash' | 'zsh' | 'powershell';
  content: string;
  sha256: string;
  params: { name: string; type: 'string' | 'integer' | 'boolean' | 'choice'; label?: string; required?: boolean; choices?: string[] }[];
  timeoutSec: number;
  createdBy: string | null;
  createdAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
}

export interface ScriptView {
  id: number;
  name: string;
  description: string;
  versions: ScriptVersionView[];
}
