# make demo: the whole recipe on the synthesised demo set with a small VIFS, in minutes on 2 CPU cores.
# Sourced by run.sh through --config (command-line options still win). The model and training settings
# are the preset conf/experiment/vifs_demo.yaml.
experiment=vifs_demo
ngpu=0
# Generate and score the untrained model too, so the score table shows what training changed.
inference_ckpt="initial last"
