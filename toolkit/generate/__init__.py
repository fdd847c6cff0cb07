"""Generation: N clips per category from a checkpoint or an ensemble, in both DCASE layouts.

Library entry points: :func:`generate_clips`, :func:`output_dir_for`, :class:`GenerationPlan`,
:class:`FastGenerator` (the folded, batched inference path).
"""
from toolkit.generate.fast import FastGenerator, fold_weight_norm, prepare_for_inference
from toolkit.generate.pipeline import GenerateOptions, generate_clips
from toolkit.generate.plan import ClipJob, GenerationPlan, clip_seed, load_ensemble, noise_scales_per_category, output_dir_for

__all__ = [
    "ClipJob", "FastGenerator", "GenerateOptions", "GenerationPlan", "clip_seed", "fold_weight_norm",
    "generate_clips", "load_ensemble", "noise_scales_per_category", "output_dir_for", "prepare_for_inference",
]
