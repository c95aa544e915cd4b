"""The three services of the original design, each a blueprint."""
