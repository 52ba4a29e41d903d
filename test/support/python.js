'use strict';
// The Python interpreter the tests use: the one scripts/python.sh picks ($PYTHON, else
// the package's venv deps/python that `npm install` made).
const fs = require('node:fs');
const path = require('node:path');

const VENV_PYTHON = path.resolve(__dirname, '..', '..', 'deps', 'python', 'bin', 'python');

function python() {
  if (process.env.PYTHON) return process.env.PYTHON;
  return fs.existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';
}

module.exports = { python };
