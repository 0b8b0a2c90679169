"""Statistics: estimators with design-based variances (institutions as clusters), comparisons
and multiplicity, composition checks, weights, multi-select measures. They compute; they never
decide what may be shown (that is `microcred.release`). Imports `survey` and `core` only."""
