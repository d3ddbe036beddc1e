#!/bin/sh
# Runs a command (by default `npm test`) with CPU burners beside it: the proof that the
# suite passes on a busy 2-core machine (issue 13). BURNERS sets how many (default 2).
# The burners are ended when the command ends, however it ends; its exit status is kept.
#   test/support/cpu-burners.sh            # npm test beside two burners
#   BURNERS=3 test/support/cpu-burners.sh npx vitest run --config test/vitest.config.ts
set -u
[ "$#" -gt 0 ] || set -- npm test
burners=''
i=0
while [ "$i" -lt "${BURNERS:-2}" ]; do
  node -e 'for (;;) {}' &
  burners="$burners $!"
  i=$((i + 1))
done
# shellcheck disable=SC2086 # the list of ids is split on purpose
trap 'kill $burners 2>/dev/null' EXIT
trap 'exit 130' INT TERM
"$@"
