# make demo: the whole recipe on the synthesised demo set with a small VIFS, in minutes on 2 CPU cores.
# Sourced by run.sh through --config (command-line options still win).
demo_clips_per_category=24
ngpu=0
# TODO(lead): the tiny model; paste ' '.join(toolkit.models.presets.TINY_OVERRIDES) here (or a preset name).
demo_model_overrides=""
# TODO(lead): confirm the step count and the select grid once the train/select stages are wired.
demo_stage_overrides="train.max_steps=200 train.batch_size=8 train.num_workers=0 generate.clips_per_category=8"
recipe_overrides="${demo_model_overrides} ${demo_stage_overrides}"
