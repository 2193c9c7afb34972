// loopback.cjs: preloaded (node --require) into the suite's origin server, which calls server.listen(port) and so
// would listen on every interface. A listen without a host is bound to 127.0.0.1 instead: the conformance run
// only ever talks over loopback.
'use strict'
const net = require('net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (args.length >= 1 && (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) &&
      (args.length === 1 || typeof args[1] === 'function')) {
    return listen.call(this, Number(args[0]), '127.0.0.1', ...args.slice(1))
  }
  return listen.apply(this, args)
}
