import { StringDecoder } from 'node:string_decoder';
import { COMMAND_OUTPUT_CHUNK_BYTES, MAX_COMMAND_OUTPUT_BYTES } from '@vigie/shared';

export type Stream = 'stdout' | 'stderr';
export type ChunkSink = (stream: Stream, index: number, data: string) => Promise<void>;

/** The longest prefix of `s` that fits in `maxBytes` of UTF-8 without cutting a character. */
function fitBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(s.slice(0, mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  // Never end between the two halves of a surrogate pair.
  if (lo > 0 && /[\uD800-\uDBFF]/.test(s[lo - 1]!)) lo--;
  return s.slice(0, lo);
}

/**
 * A command's stdout and stderr, cut into ordered chunks of at most 8 KiB sent every ~200 ms,
 * up to 256 KiB in all; what comes after is counted, drained (so the program never blocks on a full
 * pipe) and dropped, and the result says it was truncated.
 */
export class OutputStream {
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly pending = { stdout: '', stderr: '' };
  private index = 0;
  private sentBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  producedBytes = 0;
  truncated = false;

  constructor(
    private readonly sink: ChunkSink,
    private readonly flushMs = 200,
    private readonly maxBytes = MAX_COMMAND_OUTPUT_BYTES,
  ) {}

  write(stream: Stream, data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    this.producedBytes += buf.length;
    this.pending[stream] += this.decoders[stream].write(buf);
    if (Buffer.byteLength(this.pending[stream]) >= COMMAND_OUTPUT_CHUNK_BYTES) this.flush(stream);
    else this.timer ??= setTimeout(() => this.flushAll(), this.flushMs);
  }

  private flushAll(): void {
    this.timer = undefined;
    this.flush('stdout');
    this.flush('stderr');
  }

  private flush(stream: Stream): void {
    while (this.pending[stream].length > 0) {
      const room = this.maxBytes - this.sentBytes;
      if (room <= 0) {
        this.truncated = true;
        this.pending[stream] = '';
        return;
      }
      const piece = fitBytes(this.pending[stream], Math.min(COMMAND_OUTPUT_CHUNK_BYTES, room));
      if (piece.length === 0) {
        this.truncated = true;
        this.pending[stream] = '';
        return;
      }
      this.pending[stream] = this.pending[stream].slice(piece.length);
      this.sentBytes += Buffer.byteLength(piece);
      const index = this.index++;
      this.chain = this.chain.then(() => this.sink(stream, index, piece));
    }
  }

  /** Sends what is left; resolves once every chunk was handed to the sink, in order. */
  async end(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of ['stdout', 'stderr'] as const) this.pending[s] += this.decoders[s].end();
    this.flush('stdout');
    this.flush('stderr');
    await this.chain;
  }
}
