# Where the DCASE 2023 Task 7 development set comes from (stage 0 with --dataset dcase23).
# An unpacked copy: the folder with DogBark/ Footstep/ ... Sneeze_Cough/ (or a folder above it).
# When set, stage 0 links it instead of downloading.
DCASE23_ROOT=${DCASE23_ROOT:-}
# Archive downloaded when DCASE23_ROOT is empty (resumable; unpacked into downloads/dcase23/). The
# default is the post-challenge release (Zenodo 8091972), whose dev/ part is the development set.
DCASE23_URL=${DCASE23_URL:-https://zenodo.org/records/8091972/files/DCASE_2023_Challenge_Task_7_Dataset.tar.gz?download=1}
# Optional checksum of that archive: md5:<hex> or sha256:<hex> (unknown for the public archives).
DCASE23_CHECKSUM=${DCASE23_CHECKSUM:-}
# false skips the check of class folders, clip counts (4,850) and clip format (for a modified copy).
DCASE23_VERIFY=${DCASE23_VERIFY:-true}
