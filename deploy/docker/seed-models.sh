#!/bin/sh
# Copy the CPU default models packaged in the CLI image into the model cache volume, leaving
# files that are already there alone. Each file is written under a temporary name and renamed,
# so a pod reading the cache never sees half a model.
#   seed-models.sh SOURCE_DIR CACHE_DIR
set -eu
src="${1:?usage: $0 SOURCE_DIR CACHE_DIR}"
dst="${2:?usage: $0 SOURCE_DIR CACHE_DIR}"
cd "$src"
find . -type d | while IFS= read -r dir; do
    mkdir -p "$dst/$dir"
done
files=$(mktemp)
find . -type f | sort > "$files"
copied=0
while IFS= read -r file; do
    if [ ! -e "$dst/$file" ]; then
        cp "$file" "$dst/$file.partial.$$"
        mv "$dst/$file.partial.$$" "$dst/$file"
        copied=$((copied + 1))
    fi
done < "$files"
rm -f "$files"
echo "seed-models: copied $copied file(s) into $dst"
