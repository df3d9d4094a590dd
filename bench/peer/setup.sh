#!/usr/bin/env bash
# Sets up the authors' JAX code for side-by-side measurement (README.md here): exports their
# repository at commit 5b696c9 into $PEER_HOME/src and makes $PEER_HOME/venv with the pinned
# packages of requirements.txt, then checks that their model loads.
# Usage: bench/peer/setup.sh [GIT_SOURCE]
#   GIT_SOURCE  a clone or mirror of the authors' repository, or its address
#               (default https://github.com/louiskirsch/vsml-neurips2021)
#   PEER_HOME   where it goes (default /tmp/vsml-peer)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_HOME=${PEER_HOME:-/tmp/vsml-peer}
COMMIT=5b696c9
SOURCE=${1:-https://github.com/louiskirsch/vsml-neurips2021}
mkdir -p "$PEER_HOME"
if [ -d "$SOURCE" ]; then
  git_dir=$SOURCE
else
  rm -rf "$PEER_HOME/repo.git"
  git clone --quiet --bare "$SOURCE" "$PEER_HOME/repo.git"
  git_dir=$PEER_HOME/repo.git
fi
rm -rf "$PEER_HOME/src" && mkdir -p "$PEER_HOME/src"
git -C "$git_dir" archive "$COMMIT" | tar -x -C "$PEER_HOME/src"
[ -x "$PEER_HOME/venv/bin/python" ] || python3 -m venv "$PEER_HOME/venv"
"$PEER_HOME/venv/bin/pip" install -q -r "$HERE/requirements.txt"
"$PEER_HOME/venv/bin/python" -W ignore "$HERE/bench_vsml.py" "$PEER_HOME/src" --case count
echo "ready: $PEER_HOME/src (commit $COMMIT) and $PEER_HOME/venv; next: bench/peer/compare.sh .build/release/vsml 16 2"
