"""Media inspection and processing; plain functions with no Flask imports."""
