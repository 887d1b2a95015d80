// A CommonJS consumer. TypeScript (5.8+, `module: nodenext`) type-checks `require()` of these ES modules,
// and Node.js >= 20.19 runs it: an ES module graph without top-level `await` loads synchronously.
import client = require('@klingkit/client');
import callbacks = require('@klingkit/client/callbacks');
import node = require('@klingkit/client/node');
import specFacts = require('@klingkit/client/spec-facts');
import mock = require('@klingkit/mock-server');
import testing = require('@klingkit/mock-server/testing');
import conformance = require('@klingkit/spec/conformance');

const loaded: Record<string, string> = {
  '@klingkit/client': typeof client.createKlingClient,
  '@klingkit/client/callbacks': typeof callbacks.parseCallback,
  '@klingkit/client/node': typeof node.downloadImages,
  '@klingkit/client/spec-facts': typeof specFacts.requestEnums,
  '@klingkit/mock-server': typeof mock.createMockServer,
  '@klingkit/mock-server/testing': typeof testing.createTestKit,
  '@klingkit/spec/conformance': typeof conformance.checkResponse,
};
console.log(JSON.stringify(loaded));
