"""make bench: throughput, AWS calls per contact and cost, against the targets."""
