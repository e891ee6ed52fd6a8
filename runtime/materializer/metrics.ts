/**
 * The materializer's metrics (prom-client, Prometheus text format) and an optional HTTP
 * endpoint for them, bound to 127.0.0.1 (GET /metrics).
 *
 * Names (all prefixed palette_materializer_):
 *   events_total{topic}                   records consumed (valid or not)
 *   events_per_second                     consumed records per second over the last 10 s
 *   consumer_lag{topic,partition}         records in the log not yet consumed (Kafka)
 *   flush_seconds                         histogram: one flush (write all dirty rows + commit)
 *   flushed_rows_total{group}             tile rows written
 *   freshness_seconds                     histogram: produce (Kafka timestamp) → row written
 *   dead_letters_total{topic,kind}        malformed records (kind: bad_json, missing_field, null_field, wrong_type)
 *   late_events_total{group}              events too old for a group (skipped, see materializer.ts)
 *   dropped_events_total{group,reason}    events of a group without a key (reason: null_key)
 *   replayed_events_total{group}          events skipped because the stored row already held them
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class MaterializerMetrics {
  readonly registry = new Registry();
  readonly events: Counter<'topic'>;
  readonly eventsPerSecond: Gauge;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly flushSeconds: Histogram;
  readonly flushedRows: Counter<'group'>;
  readonly freshness: Histogram;
  readonly deadLetters: Counter<'topic' | 'kind'>;
  readonly late: Counter<'group'>;
  readonly dropped: Counter<'group' | 'reason'>;
  readonly replayed: Counter<'group'>;
  /** Consumed records per 1 s slot, for events_per_second. */
  private readonly slots = new Float64Array(10);
  private slotStart = Math.floor(Date.now() / 1000);

  constructor() {
    const r = [this.registry];
    const p = 'palette_materializer_';
    this.events = new Counter({ name: `${p}events_total`, help: 'Records consumed (valid or not)', labelNames: ['topic'], registers: r });
    this.eventsPerSecond = new Gauge({
      name: `${p}events_per_second`, help: 'Consumed records per second over the last 10 s', registers: r,
      collect: () => { this.eventsPerSecond.set(this.rate()); },
    });
    this.lag = new Gauge({ name: `${p}consumer_lag`, help: 'Records in the partition log not yet consumed', labelNames: ['topic', 'partition'], registers: r });
    this.flushSeconds = new Histogram({
      name: `${p}flush_seconds`, help: 'Duration of one flush: write the dirty tile rows, then commit offsets', registers: r,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.flushedRows = new Counter({ name: `${p}flushed_rows_total`, help: 'Tile rows written to the online store', labelNames: ['group'], registers: r });
    this.freshness = new Histogram({
      name: `${p}freshness_seconds`, help: 'From produce (record timestamp) to the row holding the event written to the online store', registers: r,
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60],
    });
    this.deadLetters = new Counter({ name: `${p}dead_letters_total`, help: 'Malformed records sent to the dead-letter topic or file', labelNames: ['topic', 'kind'], registers: r });
    this.late = new Counter({ name: `${p}late_events_total`, help: 'Events older than the group accepts (skipped)', labelNames: ['group'], registers: r });
    this.dropped = new Counter({ name: `${p}dropped_events_total`, help: 'Events a group cannot use (skipped)', labelNames: ['group', 'reason'], registers: r });
    this.replayed = new Counter({ name: `${p}replayed_events_total`, help: 'Events skipped because the stored row already held them (replay after a restart or rebalance)', labelNames: ['group'], registers: r });
  }

  /** Count consumed records for events_per_second. */
  consumed(topic: string, n: number): void {
    this.events.inc({ topic }, n);
    this.advance();
    this.slots[this.slotStart % this.slots.length] += n;
  }

  private advance(): void {
    const now = Math.floor(Date.now() / 1000);
    if (now === this.slotStart) return;
    for (let s = Math.max(this.slotStart + 1, now - this.slots.length + 1); s <= now; s++) this.slots[s % this.slots.length] = 0;
    this.slotStart = now;
  }

  rate(): number {
    this.advance();
    let sum = 0;
    for (const v of this.slots) sum += v;
    return sum / this.slots.length;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Serve GET /metrics on 127.0.0.1:port (0 picks a free port); resolves with the server. */
  serve(port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
        this.text().then((body) => {
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(body);
        }, (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        });
      } else {
        res.writeHead(404);
        res.end('not found: GET /metrics\n');
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }
}

/** The kind of a dead letter, for the metric label, from its reason text. */
export function deadLetterKind(reason: string): string {
  if (reason.startsWith('bad JSON') || reason.startsWith('expected a JSON object') || reason.startsWith('empty record')) return 'bad_json';
  if (reason.startsWith('missing field')) return 'missing_field';
  if (reason.includes('is null')) return 'null_field';
  return 'wrong_type';
}
