'use strict';
// Reading docker/Dockerfile and docker/compose.yaml the way Docker does, as far as the
// tests need: a Dockerfile's instructions and stages, a compose service's keys.
const assert = require('node:assert/strict');

// Dockerfile instructions: comment lines dropped, `\` continuations joined.
function dockerfileInstructions(text) {
  const instructions = [];
  let pending = null;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\s+$/, '');
    if (/^\s*#/.test(line)) continue;
    if (pending === null) {
      if (line.trim() === '') continue;
      pending = { text: '', line: index + 1 };
    }
    const continued = line.endsWith('\\');
    pending.text += `${continued ? line.slice(0, -1) : line} `;
    if (!continued) {
      const [, keyword, args] = /^\s*(\S+)\s*(.*)$/s.exec(pending.text);
      instructions.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ').trim(), line: pending.line });
      pending = null;
    }
  }
  return instructions;
}

// Stages, split at FROM lines: { from (the FROM arguments), base (image or stage), name, instructions }.
function dockerfileStages(text) {
  const stages = [];
  for (const instruction of dockerfileInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.replace(/--platform=\S+\s*/, '').split(' ');
      stages.push({ from: instruction.args, base, name: /^as$/i.test(as || '') ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

// A stage and the stages it is built FROM, nearest first; the last one's base is an image.
function stageChain(stages, stage) {
  const chain = [stage];
  for (let s = stage; ;) {
    const parent = stages
      .slice(0, stages.indexOf(s))
      .reverse()
      .find((x) => x.name === s.base);
    if (parent === undefined) return chain;
    chain.push(parent);
    s = parent;
  }
}

// A RUN's command: the shell form as written, or the exec form's argv joined.
function runCommand(instruction) {
  if (instruction.args.startsWith('[')) {
    try {
      return JSON.parse(instruction.args).join(' ');
    } catch {
      // not JSON: Docker runs it in the shell form too
    }
  }
  return instruction.args;
}

// A service's block of lines in the compose file (two-space indentation under services:).
function composeServiceBlock(text, service) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.replace(/\s+$/, '') === `  ${service}:`);
  assert.notEqual(start, -1, `docker/compose.yaml has no service "${service}"`);
  const block = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !/^ {3,}/.test(line)) break;
    block.push(line);
  }
  return block;
}

// The value of `key:` in a service block: the inline value, or the items / lines indented under it.
function composeValue(block, key) {
  const at = block.findIndex((l) => new RegExp(`^\\s+${key}:(\\s|$)`).test(l));
  if (at === -1) return null;
  const indent = block[at].search(/\S/);
  const inline = block[at].slice(block[at].indexOf(':') + 1).trim();
  if (inline !== '') return [inline];
  const items = [];
  for (const line of block.slice(at + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (line.search(/\S/) <= indent) break;
    items.push(
      line
        .trim()
        .replace(/^-\s*/, '')
        .replace(/^(["'])(.*)\1$/, '$2'),
    );
  }
  return items;
}

module.exports = {
  dockerfileInstructions,
  dockerfileStages,
  stageChain,
  runCommand,
  composeServiceBlock,
  composeValue,
};
