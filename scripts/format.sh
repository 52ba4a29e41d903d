#!/usr/bin/env bash
# npm run format: clang-format (.clang-format) over our C and C++, prettier (.prettierrc.json) over
# the TypeScript and JavaScript. With --check (npm run format:check) it changes nothing and fails,
# naming the files, when any of them is not formatted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t native < <(find cpp test/cpp bench/cpp -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) | sort)
scripts=('lib/**/*.ts' 'test/**/*.{js,ts}' 'bench/**/*.js' 'scripts/**/*.js' 'esm/**/*.{mjs,ts}' '*.mjs')

if [[ "${1:-}" != --check ]]; then
  clang-format -i "${native[@]}"
  npx prettier --log-level warn --write "${scripts[@]}"
  exit 0
fi

unformatted=()
for file in "${native[@]}"; do
  clang-format --dry-run --Werror "$file" 2>/dev/null || unformatted+=("$file")
done
mapfile -t -O "${#unformatted[@]}" unformatted < <(npx prettier --list-different "${scripts[@]}" || true)
if ((${#unformatted[@]} > 0)); then
  printf '%s\n' "${unformatted[@]}" >&2
  echo "format:check: the ${#unformatted[@]} files above are not formatted; run: npm run format" >&2
  exit 1
fi
echo "format:check: all files formatted"
