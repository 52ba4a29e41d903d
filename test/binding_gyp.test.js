'use strict';
// binding.gyp (node-gyp users) builds the same sources into the same products as CMakeLists.txt.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { compare } = require('../scripts/check-binding-gyp');

const ROOT = path.resolve(__dirname, '..');

describe('binding.gyp', function () {
  it('lists exactly the sources CMakeLists.txt builds into each product', function () {
    assert.deepEqual(compare(), []);
  });

  it('a source missing from binding.gyp, or one too many, is named', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gyp-'));
    try {
      fs.mkdirSync(path.join(dir, 'cpp', 'transport'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'CMakeLists.txt'), path.join(dir, 'CMakeLists.txt'));
      fs.copyFileSync(
        path.join(ROOT, 'cpp', 'transport', 'CMakeLists.txt'),
        path.join(dir, 'cpp', 'transport', 'CMakeLists.txt'),
      );
      const gyp = fs
        .readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8')
        .replace('"cpp/addon/predict_binding.cc",', '"cpp/addon/not_built.cc",');
      fs.writeFileSync(path.join(dir, 'binding.gyp'), gyp);
      assert.deepEqual(compare(dir).sort(), [
        'tfserving_remote_predict: binding.gyp has cpp/addon/not_built.cc, which CMakeLists.txt does not build into it',
        'tfserving_remote_predict: binding.gyp lacks cpp/addon/predict_binding.cc (in CMakeLists.txt)',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
