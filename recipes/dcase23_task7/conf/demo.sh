# make demo: the whole recipe on the synthesised demo set with a small VIFS, in minutes on 2 CPU cores.
# Sourced by run.sh through --config (command-line options still win).
demo_clips_per_category=24
ngpu=0
# Tiny-model overrides from toolkit.models.presets.TINY_OVERRIDES. TODO(lead): fill in once the model
# engineer provides them, e.g. "model.hidden_channels=16 model/discriminator=mpd_msd ...".
demo_model_overrides=""
# TODO(lead): confirm the train/generate/score key names once those stages exist.
demo_stage_overrides="train.max_steps=200 generate.num_per_category=8"
recipe_overrides="${demo_model_overrides} ${demo_stage_overrides}"
