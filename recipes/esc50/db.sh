# Where ESC-50 comes from (stage 0). An unpacked copy: the folder with meta/esc50.csv and audio/ (or a
# folder above it). When set, stage 0 links it instead of downloading.
ESC50_ROOT=${ESC50_ROOT:-}
# Archive downloaded when ESC50_ROOT is empty (about 600 MB, resumable where the server honours Range
# requests; unpacked into downloads/esc50/): the GitHub archive of karolpiczak/ESC-50 at one fixed commit.
ESC50_URL=${ESC50_URL:-https://github.com/karolpiczak/ESC-50/archive/5983fb0c35e751b452e7c562d9207f27b76ddf0d.zip}
# Optional checksum of that archive: md5:<hex> or sha256:<hex>. Unknown: GitHub builds archives on the fly
# and does not promise the same bytes twice; stage 0 verifies the unpacked contents instead.
ESC50_CHECKSUM=${ESC50_CHECKSUM:-}
# false skips the whole check of the copy (table, files, formats).
ESC50_VERIFY=${ESC50_VERIFY:-true}
# false accepts a copy of another size in the ESC-50 layout (e.g. the tests' small corpus); the table,
# file and format checks still run. true also checks 50 classes x 40 clips in folds 1-5.
ESC50_FULL_SIZE=${ESC50_FULL_SIZE:-true}
