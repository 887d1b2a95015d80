// A CommonJS consumer. TypeScript (5.8+, `module: nodenext`) type-checks `require()` of these ES modules,
// and Node.js >= 20.19 runs it: an ES module graph without top-level `await` loads synchronously.
import client = require('@klingkit/client');
import callbacks = require('@klingkit/client/callbacks');
import node = require('@klingkit/client/node');
import mock = require('@klingkit/mock-server');
import conformance = require('@klingkit/spec/conformance');

const loaded: Record<string, string> = {
  '@klingkit/client': typeof client.createKlingClient,
  '@klingkit/client/callbacks': typeof callbacks.parseCallback,
  '@klingkit/client/node': typeof node.downloadImages,
  '@klingkit/mock-server': typeof mock.createMockServer,
  '@klingkit/spec/conformance': typeof conformance.checkResponse,
};
console.log(JSON.stringify(loaded));
