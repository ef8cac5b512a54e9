"""From checked options to documents: the plan (paths, gates, values), one pure builder per output format,
and the pipeline."""
