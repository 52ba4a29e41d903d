'use strict';
// The addon loads into Node, registers the op and checks the libtensorflow
// version. (Graphs holding the op: saved_model.test.js.)
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const api = require('..');

const ROOT = path.resolve(__dirname, '..');


describe('addon', function () {
  it('runs on the libtensorflow it was built against', function () {
    assert.equal(api.tensorflowVersion, '2.21.0');
  });

  it("registers TfServingRemotePredict in the process's TensorFlow; the standard ops come with the SavedModel half", function () {
    const child = spawnSync(process.execPath, ['-e', `
      const api = require('.');
      const before = api.registeredOps();
      api.loadSavedModel('test/fixtures/composed/half_plus_two_with_remote_predict').then((model) => {
        model.dispose();
        const after = api.registeredOps();
        process.stdout.write(JSON.stringify([before.includes('TfServingRemotePredict'), before.includes('MatMul'), after.includes('MatMul')]));
      });`], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), [true, false, true]);
  });

  it('refuses to load into a libtensorflow of another version', function () {
    const fake = path.join(ROOT, 'build', 'Release', 'libfake_tensorflow_version.so');
    const child = spawnSync(process.execPath, ['-e', "require('.')"], {
      cwd: ROOT,
      env: { ...process.env, LD_PRELOAD: fake },
      encoding: 'utf8',
    });
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /libtensorflow 2\.99\.0 is loaded in this process, but tfserving-remote-predict was built against libtensorflow 2\.21\.0/);
  });
});
