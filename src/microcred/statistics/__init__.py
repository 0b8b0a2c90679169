"""Statistics: one survey design per dataset (`design.SurveyDesign`: institutions as clusters,
domains as subpopulations, optional weights, the confidence level) taken by every estimator;
intervals and tests on the design's degrees of freedom, comparisons and multiplicity families,
rankings with their probability, composition checks, weights, multi-select measures. They
compute; they never decide what may be shown (that is `microcred.release`). Imports `survey` and
`core` only."""
