// A client of Node.js's resolvers (run by test_client_matrix.py with `node`).
//
// Usage: node node_client.js OP NAME
//   host  dns.lookup(NAME, {all: true, family: 4}): getaddrinfo in libuv's thread pool
//   a | aaaa | srv  dns.resolve4 / resolve6 / resolveSrv: c-ares, with /etc/resolv.conf's servers
//
// Prints one status line, then one item per line (an address; for SRV "PORT TARGET", lower
// case, no final dot): OK | NXDOMAIN | NODATA | NOTFOUND | TEMPFAIL | TIMEOUT | ERROR text.
'use strict';
const dns = require('dns');

const [op, name] = process.argv.slice(2);

function done(err, items) {
  if (err) {
    process.stderr.write(`error: ${err.code} ${err.message}\n`);
    const lookup = op === 'host';
    const status = {
      ENOTFOUND: lookup ? 'NOTFOUND' : 'NXDOMAIN',
      ENODATA: 'NODATA',
      ESERVFAIL: 'TEMPFAIL',
      EAI_AGAIN: 'TEMPFAIL',
      ETIMEOUT: 'TIMEOUT',
    }[err.code] || `ERROR ${err.code} ${err.message}`;
    process.stdout.write(status + '\n');
    return;
  }
  process.stdout.write(['OK', ...items].join('\n') + '\n');
}

switch (op) {
  case 'host':
    dns.lookup(name, {all: true, family: 4}, (err, addresses) => done(err, err ? [] : addresses.map((a) => a.address)));
    break;
  case 'a':
    dns.resolve4(name, done);
    break;
  case 'aaaa':
    dns.resolve6(name, done);
    break;
  case 'srv':
    dns.resolveSrv(name, (err, records) =>
      done(err, err ? [] : records.map((r) => `${r.port} ${r.name.toLowerCase().replace(/\.$/, '')}`)));
    break;
  default:
    process.stderr.write(`usage: node node_client.js host|a|aaaa|srv NAME\n`);
    process.exit(2);
}
