"""Release: the disclosure policy and the one gate that decides which numbers may leave the
analysis (primary and secondary suppression, pairs and combinations), the released tables built
from the estimators, and the writer that publishes them. Imports `statistics`, `survey`, `core`."""
