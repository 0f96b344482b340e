import { Socket } from 'node:net';

const TIMEOUT_MS = 1_000;

/** Just enough RESP for a handful of commands: one request, one reply, in order. */
export class RespClient {
  private buffer = '';
  private waiting: ((reply: string | null | Error) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.drain();
    });
    socket.on('error', (err) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(err);
    });
    // Closed by the server (a refused AUTH on some servers, a restart): the waiting call fails rather than hangs.
    socket.on('close', () => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(new Error('the connection was closed'));
    });
  }

  static connect(u: URL, timeoutMs = TIMEOUT_MS): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      socket.once('error', reject);
      socket.connect(Number(u.port || 6379), u.hostname || '127.0.0.1', () =>
        resolve(new RespClient(socket)),
      );
    });
  }

  call(...args: string[]): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.waiting = (reply) => (reply instanceof Error ? reject(reply) : resolve(reply));
      this.socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.slice(0, end);
    let reply: string | null | Error;
    let rest: string;
    if (head[0] === '$') {
      const len = Number(head.slice(1));
      if (len < 0) {
        reply = null;
        rest = this.buffer.slice(end + 2);
      } else {
        if (this.buffer.length < end + 2 + len + 2) return;
        reply = this.buffer.slice(end + 2, end + 2 + len);
        rest = this.buffer.slice(end + 2 + len + 2);
      }
    } else {
      reply = head[0] === '-' ? new Error(head.slice(1)) : head.slice(1);
      rest = this.buffer.slice(end + 2);
    }
    this.buffer = rest;
    const w = this.waiting;
    this.waiting = undefined;
    w(reply);
  }
}
