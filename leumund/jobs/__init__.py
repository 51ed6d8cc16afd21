"""Each step of the pipeline as a plain function, and the pipeline run once (`pipeline`)."""
