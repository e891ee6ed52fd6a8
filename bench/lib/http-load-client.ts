/**
 * A minimal HTTP/1.1 keep-alive client for load generation on loopback: one request in
 * flight per connection (no pipelining), up to `maxConnections` connections opened on
 * demand, responses framed by Content-Length. It does the least a client can do per request
 * (one socket write, one header scan), because on a small machine the load generator shares
 * the cores with the server it measures: every microsecond it spends is taken from the
 * server's tail latency. wrk and similar tools are written in C for the same reason.
 *
 * Not a general client: no chunked bodies, redirects or TLS; a response it cannot frame is
 * an error that says why, and its connection is closed.
 */
import { Socket, connect } from 'node:net';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

interface Pending {
  readonly resolve: (a: HttpAnswer) => void;
  readonly reject: (e: Error) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  /** Body length of the response being read, once its header is parsed (-1 before). */
  private need = -1;
  private headerLength = 0;
  private status = 0;
  closed = false;

  constructor(readonly socket: Socket, private readonly onFree: (c: Connection) => void, private readonly onClose: (c: Connection) => void) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.data(d));
    const close = (e?: Error) => {
      if (this.closed) return;
      this.closed = true;
      const p = this.pending;
      this.pending = null;
      p?.reject(e ?? new Error('connection closed by the server before the response'));
      this.onClose(this);
    };
    socket.on('error', close);
    socket.on('close', () => close());
  }

  send(head: string, body: string, p: Pending): void {
    this.pending = p;
    this.socket.write(head + body);
  }

  private fail(message: string): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error(message));
    this.socket.destroy();
  }

  private data(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (this.need < 0) {
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) return;
      const head = this.buf.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!m) return this.fail(`response without Content-Length (status ${this.status}): this client frames bodies by length only`);
      this.need = Number(m[1]);
      this.headerLength = end + 4;
    }
    if (this.buf.length < this.headerLength + this.need) return;
    if (this.buf.length > this.headerLength + this.need) return this.fail('bytes after the response: the server answered more than was asked');
    const body = this.buf.toString('utf8', this.headerLength);
    const answer = { status: this.status, body };
    this.buf = Buffer.alloc(0);
    this.need = -1;
    const p = this.pending;
    this.pending = null;
    this.onFree(this);
    p?.resolve(answer);
  }
}

export class HttpLoadClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: { head: string; body: string; p: Pending }[] = [];
  private opening = 0;
  /**
   * The most connections open and the most requests waiting for one, so far. A request that
   * waits here is late by the wait (latency counts from its due time), so a bench can tell
   * when the connection cap, not the server, made a tail.
   */
  readonly peak = { connections: 0, queued: 0 };

  private readonly hostHeader: string;
  private readonly where: string;

  /** To host:port over TCP, or to a Unix domain socket (HTTP over it, as `palette serve --socket` answers). */
  constructor(private readonly target: { host: string; port: number } | { socketPath: string }, private readonly maxConnections = 64) {
    this.hostHeader = 'socketPath' in target ? 'localhost' : `${target.host}:${target.port}`;
    this.where = 'socketPath' in target ? `unix:${target.socketPath}` : `${target.host}:${target.port}`;
  }

  post(path: string, body: string, contentType = 'application/json'): Promise<HttpAnswer> {
    return this.request(`POST ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`, body);
  }

  get(path: string): Promise<HttpAnswer> {
    return this.request(`GET ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n\r\n`, '');
  }

  private request(head: string, body: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      const c = this.idle.pop();
      if (c) return c.send(head, body, p);
      this.waiting.push({ head, body, p });
      if (this.waiting.length > this.peak.queued) this.peak.queued = this.waiting.length;
      if (this.all.size + this.opening < this.maxConnections) this.open();
    });
  }

  private open(): void {
    this.opening++;
    const t = this.target;
    const socket = 'socketPath' in t ? connect(t.socketPath) : connect(t.port, t.host);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      this.opening--;
      const c = new Connection(socket, (x) => this.free(x), (x) => {
        this.all.delete(x);
        const i = this.idle.indexOf(x);
        if (i >= 0) this.idle.splice(i, 1);
      });
      this.all.add(c);
      if (this.all.size > this.peak.connections) this.peak.connections = this.all.size;
      this.free(c);
    });
    socket.once('error', (e) => {
      if (!connected) {
        this.opening--;
        // Nothing to send these on: fail what waits rather than hang.
        for (const w of this.waiting.splice(0)) w.p.reject(new Error(`cannot connect to ${this.where}: ${e.message}`));
      }
    });
  }

  private free(c: Connection): void {
    if (c.closed) return;
    const w = this.waiting.shift();
    if (w) c.send(w.head, w.body, w.p);
    else this.idle.push(c);
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
