/**
 * Packages whose update needs a restart of the machine to take effect: the kernel and its firmware
 * and microcode, the C library, the init system and the system bus. From dnf-plugins-core's
 * `needs-restarting` (NEED_REBOOT: kernel, kernel-rt, glibc, linux-firmware, systemd, dbus,
 * dbus-broker, dbus-daemon, after Red Hat's solution 27943) with the names the same packages take
 * on Debian and SUSE.
 */
const EXACT = new Set([
  'kernel',
  'kernel-rt',
  'kernel-core',
  'kernel-default',
  'glibc',
  'libc6',
  'linux-firmware',
  'systemd',
  'udev',
  'dbus',
  'dbus-broker',
  'dbus-daemon',
  'dbus-1',
  'intel-microcode',
  'amd64-microcode',
  'microcode_ctl',
  'ucode-intel',
  'ucode-amd',
]);

/** Debian's versioned kernel images (`linux-image-6.1.0-21-amd64`) and firmware packages. */
const PATTERNS = [/^linux-image-/, /^firmware-/, /^kernel-default-/];

export function needsReboot(name: string): boolean {
  return EXACT.has(name) || PATTERNS.some((p) => p.test(name));
}
