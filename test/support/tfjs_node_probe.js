'use strict';
// Run by test/tfjs_node.test.js in a fresh process, so that each load order starts
// clean: loads tfserving-remote-predict and @tensorflow/tfjs-node in the order asked
// for, runs the composed SavedModel through tf.node.loadSavedModel (and through this
// package's loadSavedModel), exercises tensor interop and reports what
// /proc/self/maps holds. Prints one JSON line.
//
//   node tfjs_node_probe.js '{"order": "ours-first" | "tfjs-first" | "tfjs-only",
//                             "override": "api" | "env", "target": "127.0.0.1:PORT"}'
//
// With "override": "env" the caller sets TFSRP_TARGET_OVERRIDES; with "api" the probe
// calls setTargetOverride() right after loading this package.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
const PLACEHOLDER = 'remote-predict-target:8500';
const TF_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];

const { NON_TFJS, tfjsInputs } = require('./non_tfjs_inputs');

const options = JSON.parse(process.argv[2]);
const report = { order: options.order, loaded: [] };
let api;
let tf;

function loadOurs() {
  api = require(ROOT);
  report.loaded.push('tfserving-remote-predict');
  if (options.override === 'api') api.setTargetOverride(PLACEHOLDER, options.target);
}

function loadTfjsNode() {
  tf = require(require.resolve('@tensorflow/tfjs-node', { paths: [ROOT] }));
  report.loaded.push('@tensorflow/tfjs-node');
}

/** The device as /proc/self/maps prints it (hex major:minor) and the inode: "fe:00:1234". */
function fileId(file) {
  const st = fs.statSync(file, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
}

/** { basename: { "dev:inode": path } } of the mapped TensorFlow libraries and bindings. */
function mappedTensorflow() {
  const mapped = {};
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^\S+ \S+ \S+ (\S+) (\d+)\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const base = path.basename(m[3]);
    if (!/^libtensorflow|^tfjs_binding|^tfserving_remote_predict|^libtfserving_remote_predict_op/.test(base)) continue;
    (mapped[base] ||= {})[`${m[1]}:${m[2]}`] = m[3];
  }
  return mapped;
}

async function tfjsNodeSavedModel() {
  try {
    const model = await tf.node.loadSavedModel(FIXTURE, ['serve'], 'serving_default');
    const x = tf.tensor1d([1, 2, 5]);
    const y = model.predict(x);
    const result = { dtype: y.dtype, shape: y.shape, values: Array.from(y.dataSync()) };
    tf.dispose([x, y]);
    model.dispose();
    return result;
  } catch (error) {
    return { error: String(error && error.message) };
  }
}

async function ourSavedModel() {
  const model = await api.loadSavedModel(FIXTURE, { targetOverrides: { [PLACEHOLDER]: options.target } });
  const { y } = await model.predict({ x: { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) } });
  model.dispose();
  return { dtype: y.dtype, shape: y.shape, values: Array.from(y.data) };
}

/** tfjs-node tensors into run(), outputs back through toTfjs(). */
async function interop() {
  const out = {};
  // Inputs: a tfjs-node tensor is read through dataSync() (a typed array), never array()/arraySync().
  const x = tf.tensor1d([1, 2, 5]);
  const readers = [];
  for (const method of ['dataSync', 'arraySync', 'array', 'data']) {
    const original = x[method].bind(x);
    x[method] = (...args) => {
      readers.push(method);
      const value = original(...args);
      if (method === 'dataSync') out.inputDataKind = Object.prototype.toString.call(value);
      return value;
    };
  }
  out.inputIsTfjsTensor = api.isTfjsTensor(x);
  out.inputBackend = tf.getBackend();
  const [y] = await api.run({
    targetAddress: options.target,
    modelName: 'half_plus_two',
    inputTensorAliases: ['x'],
    inputTensors: [x],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
  });
  out.inputReaders = readers;
  out.runOutput = Array.from(y.data);

  // Outputs: toTfjs() hands y.data (the typed array over the addon's buffer) straight to tf.tensor().
  const calls = [];
  const spy = {
    tensor(values, shape, dtype) {
      calls.push({ kind: Object.prototype.toString.call(values), same: values === y.data, shape, dtype });
      return tf.tensor(values, shape, dtype);
    },
    complex: (re, im) => tf.complex(re, im),
    tidy: (fn) => tf.tidy(fn),
  };
  const yTf = api.toTfjs(y, spy);
  out.toTfjsCalls = calls;
  out.outputIsTfTensor = yTf instanceof tf.Tensor;
  out.outputValues = Array.from(yTf.dataSync());
  out.outputPlusOne = Array.from(tf.add(yTf, 1).dataSync()); // a tfjs-node kernel on it

  // The dtypes tfjs has, as tfjs-node tensors, through the all_dtypes model and back.
  const inputs = tfjsInputs(tf);
  const all = Object.keys(api.DTYPES); // all_dtypes wants every dtype: plain tensors for those tfjs lacks
  const outputs = await api.run({
    targetAddress: options.target,
    modelName: 'all_dtypes',
    inputTensorAliases: all,
    inputTensors: all.map((n) => inputs[n] || { dtype: n, ...NON_TFJS[n] }),
    outputTensorAliases: all.map((n) => `${n}_out`),
    outputTypes: all,
  });
  out.dtypes = {};
  Object.keys(inputs).forEach((name) => {
    const back = api.toTfjs(outputs[all.indexOf(name)], tf);
    const values = (t) =>
      t.dtype === 'string' ? t.dataSync() : Array.from(t.dataSync(), (v) => (Number.isNaN(v) ? 'NaN' : v));
    out.dtypes[name] = {
      dtype: back.dtype,
      shape: back.shape,
      values: values(back),
      sameAsInput:
        JSON.stringify([inputs[name].dtype, inputs[name].shape, values(inputs[name])]) ===
        JSON.stringify([back.dtype, back.shape, values(back)]),
    };
  });
  tf.dispose([x, yTf, ...Object.values(inputs)]);
  return out;
}

async function main() {
  if (options.order === 'ours-first') {
    loadOurs();
    loadTfjsNode();
  } else if (options.order === 'tfjs-first') {
    loadTfjsNode();
    loadOurs();
  } else if (options.order === 'tfjs-only') {
    loadTfjsNode();
  } else {
    throw new Error(`unknown order ${options.order}`);
  }
  report.backend = tf.getBackend();
  report.bindingTensorflowVersion = tf.backend().binding.TF_Version;
  report.tfjsNodeVersion = tf.version['tfjs-node'];
  report.tfjsNodeSavedModel = await tfjsNodeSavedModel();
  if (api) {
    report.tensorflowVersion = api.tensorflowVersion;
    report.ourSavedModel = await ourSavedModel();
    report.interop = await interop();
  }
  report.mapped = mappedTensorflow();
  report.ours = Object.fromEntries(
    TF_LIBS.map((lib) => [lib, fileId(path.join(ROOT, 'deps', 'libtensorflow', 'lib', lib))]),
  );
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ fatal: String(error && error.stack) })}\n`);
  process.exitCode = 1;
});
