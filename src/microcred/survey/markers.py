"""Values that mark records, shared by the generator that writes them and the cleaning that reads
them (so that cleaning never imports the generator)."""

SYNTHETIC = "synthetic-reconstruction"  # ExternalReference of every record the generator writes
