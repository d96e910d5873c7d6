#!/usr/bin/env bash
# Downloads the Debian packages that tests/gpu/run_all.sh needs on the GPU machine, which has no internet
# and may lack doctest and zlib headers: doctest-dev and zlib1g-dev, as .deb files in .debs/ (git-ignored;
# the device tool carries it when asked: carry [".debs"]). Run here, once, where apt can reach a mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .debs
cd .debs
apt-get download doctest-dev zlib1g-dev
ls -l
