#!/bin/sh
# Rebuilds the two compiled-in fonts of the screen-content scenes: DejaVu Sans and DejaVu
# Sans Bold (version 2.37, as Debian's fonts-dejavu-core ships them), cut down to printable
# ASCII (U+0020-U+007E) without hinting, which takes each from about 750 KB to about 10 KB.
# Needs fontTools (pip install fonttools). The output is deterministic for a given input.
set -e
src=${1:-/usr/share/fonts/truetype/dejavu}
here=$(dirname "$0")
for f in DejaVuSans DejaVuSans-Bold; do
  python3 -m fontTools.subset "$src/$f.ttf" --unicodes="U+0020-007E" \
    --output-file="$here/$f-ascii.ttf" --no-hinting --desubroutinize --layout-features=''
done
