// Reads the few header fields that tell which OS and CPU an executable is for, without running it.

export interface ExecutableHeader {
  format: 'elf' | 'pe' | 'macho' | 'unknown';
  machine: 'x64' | 'arm64' | 'other';
  /** Mach-O segment names (the SEA blob lives in its own `NODE_SEA` segment). */
  segments: string[];
  /** Mach-O: whether an LC_CODE_SIGNATURE load command is still present. */
  codeSignature: boolean;
}

export function readExecutableHeader(bytes: Buffer): ExecutableHeader {
  const none = { segments: [], codeSignature: false };
  if (bytes.readUInt32BE(0) === 0x7f454c46) {
    const m = bytes.readUInt16LE(18);
    return { format: 'elf', machine: m === 0x3e ? 'x64' : m === 0xb7 ? 'arm64' : 'other', ...none };
  }
  if (bytes.toString('latin1', 0, 2) === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    if (bytes.toString('latin1', pe, pe + 4) !== 'PE\0\0') return { format: 'unknown', machine: 'other', ...none };
    const m = bytes.readUInt16LE(pe + 4);
    return { format: 'pe', machine: m === 0x8664 ? 'x64' : m === 0xaa64 ? 'arm64' : 'other', ...none };
  }
  if (bytes.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = bytes.readUInt32LE(4);
    const ncmds = bytes.readUInt32LE(16);
    const segments: string[] = [];
    let codeSignature = false;
    let off = 32;
    for (let i = 0; i < ncmds; i++) {
      const cmd = bytes.readUInt32LE(off);
      if (cmd === 0x19) segments.push(bytes.toString('latin1', off + 8, off + 24).replace(/\0+$/, ''));
      if (cmd === 0x1d) codeSignature = true;
      off += bytes.readUInt32LE(off + 4);
    }
    return { format: 'macho', machine: cpu === 0x01000007 ? 'x64' : cpu === 0x0100000c ? 'arm64' : 'other', segments, codeSignature };
  }
  return { format: 'unknown', machine: 'other', ...none };
}

/** Node's SEA fuse: `…:0` in a plain runtime, flipped to `…:1` by postject when a blob is injected. */
export function seaFuseState(bytes: Buffer, fuse: string): 'flipped' | 'unflipped' | 'absent' {
  if (bytes.includes(`${fuse}:1`)) return 'flipped';
  return bytes.includes(`${fuse}:0`) ? 'unflipped' : 'absent';
}
