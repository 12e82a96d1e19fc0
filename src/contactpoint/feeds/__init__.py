"""Source feeds: parse, validate, standardise and load each source's files."""
