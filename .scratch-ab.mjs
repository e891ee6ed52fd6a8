import { readFileSync } from 'node:fs';
const dist = (p) => '/work/main/dist/' + p;
const { rawCassandraClient, rawReadStatements } = await import('/work/main/dist/bench/lib/raw-cassandra.js').catch(() => ({}));
