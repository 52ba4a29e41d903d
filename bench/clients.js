'use strict';
// The benchmark's Node clients. Each factory returns { call(), close() }: call()
// sends the same float32 tensor 'x' to model half_plus_two and resolves once
// the float32 output 'y' is in hand as a Float32Array of the same length.
//
//   lib       (a) this library's run()
//   grpcjs    (b) @grpc/grpc-js + @grpc/proto-loader, tensor_content bytes
//   floatval  (c) the same client filling float_val: the common naive client
//   savedmodel(e) the composed SavedModel through loadSavedModel().predict()
// (d), the C++ client, is bench/cpp/cpp_client.cc.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PROTOS = path.join(ROOT, 'protos');
const MODEL = 'half_plus_two';
const DEADLINE_MS = 60000;
const COMPOSED_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
const COMPOSED_TARGET = 'remote-predict-target:8500';

function makeInput(floats) {
  const data = new Float32Array(floats);
  for (let i = 0; i < floats; i++) data[i] = (i % 1000) * 0.5;
  return data;
}

function checkLength(output, floats, client) {
  if (!(output instanceof Float32Array) || output.length !== floats) {
    const got = output && output.length;
    throw new Error(`${client}: expected a Float32Array of ${floats} floats, got ${got}`);
  }
}

// (a) this library's run(): options built once, as an application would.
async function libClient({ address, floats, channelOptions }) {
  const { run } = require(ROOT);
  const input = makeInput(floats);
  const options = {
    targetAddress: address,
    modelName: MODEL,
    inputTensorAliases: ['x'],
    inputTensors: [{ dtype: 'float32', shape: [floats], data: input }],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
    maxRpcDeadlineMillis: DEADLINE_MS,
    ...(channelOptions ? { channelOptions } : {}),
  };
  return {
    async call() {
      const [y] = await run(options);
      checkLength(y.data, floats, 'lib');
    },
    close() {},
  };
}

function grpcJsStub(address) {
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const definition = protoLoader.loadSync('tensorflow_serving/apis/prediction_service.proto', {
    includeDirs: [PROTOS],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  // A GrpcObject is keyed by the proto's package names, known only at run time.
  const { PredictionService } = /** @type {any} */ (grpc.loadPackageDefinition(definition)).tensorflow.serving;
  // grpc-js caps received messages at 4 MiB unless told otherwise.
  return new PredictionService(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  });
}

function predictOnce(stub, request) {
  return new Promise((resolve, reject) => {
    stub.Predict(request, { deadline: Date.now() + DEADLINE_MS }, (err, response) => {
      if (err) reject(err);
      else resolve(response);
    });
  });
}

function modelSpec() {
  return { name: MODEL, signature_name: 'serving_default' };
}

// (b) a well-written pure-JS client: tensor_content is a view of the input's
// bytes, and the answer's bytes are viewed as floats when aligned (else copied once).
async function grpcJsClient({ address, floats }) {
  const stub = grpcJsStub(address);
  const input = makeInput(floats);
  const content = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return {
    async call() {
      const response = await predictOnce(stub, {
        model_spec: modelSpec(),
        inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: floats }] }, tensor_content: content } },
        output_filter: ['y'],
      });
      const y = response.outputs.y;
      if (!y || y.dtype !== 'DT_FLOAT') throw new Error('grpcjs: no float32 output y');
      const bytes = y.tensor_content;
      const data =
        bytes.byteOffset % 4 === 0
          ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
          : new Float32Array(new Uint8Array(bytes).buffer);
      checkLength(data, floats, 'grpcjs');
    },
    close() {
      stub.close();
    },
  };
}

// (c) the naive client: float_val out (a JS array per call), float_val back.
async function floatValClient({ address, floats }) {
  const stub = grpcJsStub(address);
  const input = makeInput(floats);
  return {
    async call() {
      const response = await predictOnce(stub, {
        model_spec: modelSpec(),
        inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: floats }] }, float_val: Array.from(input) } },
        output_filter: ['y'],
      });
      const y = response.outputs.y;
      if (!y || y.dtype !== 'DT_FLOAT') throw new Error('floatval: no float32 output y');
      checkLength(Float32Array.from(y.float_val), floats, 'floatval');
    },
    close() {
      stub.close();
    },
  };
}

// (e) the composed SavedModel: y = 0.5·x + half_plus_two(x), the inner call
// going through the op to the echo server.
async function savedModelClient({ address, floats }) {
  const { loadSavedModel } = require(ROOT);
  const model = await loadSavedModel(COMPOSED_FIXTURE, { targetOverrides: { [COMPOSED_TARGET]: address } });
  const input = makeInput(floats);
  const inputs = { x: { dtype: 'float32', shape: [floats], data: input } };
  const options = { signature: 'serving_default', timeoutMillis: DEADLINE_MS };
  return {
    async call() {
      const { y } = await model.predict(inputs, options);
      checkLength(y.data, floats, 'savedmodel');
    },
    close() {
      model.dispose();
    },
  };
}

const CLIENTS = {
  lib: { label: '(a) run()', make: libClient },
  grpcjs: { label: '(b) grpc-js tensor_content', make: grpcJsClient },
  floatval: { label: '(c) grpc-js float_val', make: floatValClient },
  cpp: { label: '(d) C++ callback client', make: null },
  savedmodel: { label: '(e) SavedModel predict()', make: savedModelClient },
};
const CLIENT_ORDER = ['lib', 'grpcjs', 'floatval', 'cpp', 'savedmodel'];

module.exports = { CLIENTS, CLIENT_ORDER, makeInput };
